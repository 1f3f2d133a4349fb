#!/usr/bin/env python3
"""Checks the dashboards and alert rules against what the platform really exports
(deploy/check-manifests.sh).

Every `nexus_*` metric a Grafana dashboard or an alert rule queries must be one the code
registers (a `registry.register("nexus_...")` name in crates/ or services/, with the suffixes
Prometheus adds: `_total` for counters, `_bucket`/`_sum`/`_count` for histograms) or one
postgres_exporter derives from deploy/prometheus/postgres-exporter-queries.yaml
(`<query>_<column>`). A renamed metric otherwise leaves an empty panel or an alert that can never
fire, silently. The dashboards must also be valid JSON with unique uids, use the provisioned
Prometheus data source, and lay out panels that do not overlap.
"""

import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Not ours, and documented where used: Prometheus's own `up`, the blackbox exporter's probe.
FOREIGN = {"up", "probe_ssl_earliest_cert_expiry"}
SUFFIXES = ("_total", "_bucket", "_sum", "_count")


def registered():
    names = set()
    for path in list(ROOT.glob("crates/*/src/**/*.rs")) + list(ROOT.glob("services/*/src/**/*.rs")):
        text = path.read_text(errors="replace")
        if "register" not in text:
            continue
        names.update(re.findall(r'"(nexus_[a-z0-9_]+)"', text))
    queries = yaml.safe_load((ROOT / "deploy/prometheus/postgres-exporter-queries.yaml").read_text())
    for query, spec in queries.items():
        for metric in spec["metrics"]:
            (column, info), = metric.items()
            if info["usage"] != "LABEL":
                names.add(f"{query}_{column}")
    return names


def known(name, names):
    if name in names or name in FOREIGN:
        return True
    return any(name.endswith(s) and name[: -len(s)] in names for s in SUFFIXES)


def used_metrics(expr):
    # Metric names: identifiers not followed by "(" (functions) and not label names (which are
    # followed by = ! ~ or sit inside by/without lists; ours never start with nexus_ anyway).
    return set(re.findall(r"\b(nexus_[a-z0-9_]+|up|probe_ssl_earliest_cert_expiry)\b(?!\s*\()", expr))


def main():
    names = registered()
    problems = []
    checked = 0
    uids = {}
    provisioned = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/nexus.yml").read_text())
    datasource_uids = {d["uid"] for d in provisioned["datasources"]}
    for path in sorted((ROOT / "deploy/grafana/dashboards").glob("*.json")):
        try:
            board = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            problems.append(f"{path.name}: not JSON: {error}")
            continue
        if board.get("uid") in uids:
            problems.append(f"{path.name}: uid {board.get('uid')} is also {uids[board['uid']]}'s")
        uids[board.get("uid")] = path.name
        cells = set()
        for panel in board.get("panels", []):
            title = panel.get("title") or panel.get("type")
            grid = panel["gridPos"]
            area = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"]) for y in range(grid["y"], grid["y"] + grid["h"])}
            if area & cells or grid["x"] + grid["w"] > 24:
                problems.append(f"{path.name}: panel {title!r} overlaps another or leaves the grid")
            cells |= area
            for target in panel.get("targets", []):
                uid = target.get("datasource", {}).get("uid")
                if uid not in datasource_uids:
                    problems.append(f"{path.name}: panel {title!r} uses the unprovisioned data source {uid!r}")
                for metric in used_metrics(target["expr"]):
                    checked += 1
                    if not known(metric, names):
                        problems.append(f"{path.name}: panel {title!r} queries {metric}, which nothing exports")
    for path in sorted((ROOT / "deploy/prometheus/rules").glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                for metric in used_metrics(rule["expr"]):
                    checked += 1
                    if not known(metric, names):
                        problems.append(f"{path.name}: {rule.get('alert') or rule.get('record')} queries {metric}, which nothing exports")
    for problem in problems:
        print(f"check_observability: {problem}", file=sys.stderr)
    print(f"check_observability: {len(uids)} dashboards, {checked} metric uses against {len(names)} exported names")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
