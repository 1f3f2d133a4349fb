#!/usr/bin/env python3
"""Checks docker-compose.yml without a Docker engine (deploy/check-manifests.sh; when
`docker compose` works, the script also runs `docker compose config` on it).

- Every service in the workspace (services/*) runs in its own container from the one image,
  with its binary as command, a health check, a read-only root file system and a non-root user.
- Start order by health: every depends_on names a service; `service_healthy` only on services
  with a health check, `service_completed_successfully` only on one-shots (restart "no"); no
  cycles.
- Every ${VARIABLE} the file reads is one deploy/compose-env.sh writes to .env; every bind mount
  exists in the repository; every named volume is declared; images are pinned (no `latest`);
  published ports bind to 127.0.0.1 only; `http://<name>:<port>` settings name a compose service.

`--self-test` breaks a copy in known ways and fails unless each breakage is reported.
"""

import copy
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def workspace_services():
    return sorted(p.name for p in (ROOT / "services").iterdir() if (p / "Cargo.toml").is_file())


def env_variables_written():
    script = (ROOT / "deploy/compose-env.sh").read_text()
    return set(re.findall(r"^add (\w+) ", script, re.M))


def check(compose, text, services):
    problems = []
    defined = compose.get("services", {})
    volumes = set((compose.get("volumes") or {}).keys())
    written = env_variables_written()
    for name in sorted(set(re.findall(r"\$\{(\w+)", text))):
        if name not in written:
            problems.append(f"${{{name}}} is read but deploy/compose-env.sh never writes it to .env")
    for service in services:
        spec = defined.get(service)
        if spec is None:
            problems.append(f"{service}: no compose service")
            continue
        if spec.get("command", [None])[0] != service:
            problems.append(f"{service}: runs {spec.get('command')}, not its binary")
        health = spec.get("healthcheck", {})
        if not health.get("test") or health.get("disable"):
            problems.append(f"{service}: no health check")
        if spec.get("read_only") is not True or str(spec.get("user", "0")).split(":")[0] in ("0", "root"):
            problems.append(f"{service}: needs read_only: true and a non-root user")
    for name, spec in defined.items():
        image = spec.get("image", "")
        if not image and "build" not in spec:
            problems.append(f"{name}: neither image nor build")
        if image and ("build" not in spec and spec.get("pull_policy") != "never") and (":" not in image.split("/")[-1] or image.endswith(":latest")):
            problems.append(f"{name}: image {image} is not pinned to a version")
        for port in spec.get("ports", []):
            if not str(port).startswith("127.0.0.1:"):
                problems.append(f"{name}: port {port} is published beyond 127.0.0.1")
        for volume in spec.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith("."):
                if not (ROOT / source).exists():
                    problems.append(f"{name}: bind mount {source} does not exist")
            elif source not in volumes:
                problems.append(f"{name}: volume {source} is not declared")
        depends = spec.get("depends_on", {})
        if isinstance(depends, list):
            depends = {d: {"condition": "service_started"} for d in depends}
        for other, how in depends.items():
            condition = how.get("condition", "service_started")
            target = defined.get(other)
            if target is None:
                problems.append(f"{name}: depends on the unknown service {other}")
                continue
            if condition not in CONDITIONS:
                problems.append(f"{name}: unknown condition {condition} on {other}")
            target_health = target.get("healthcheck", {})
            if condition == "service_healthy" and (not target_health.get("test") or target_health.get("disable")):
                problems.append(f"{name}: waits for {other} to be healthy, which has no health check")
            if condition == "service_completed_successfully" and target.get("restart", "no") != "no":
                problems.append(f"{name}: waits for {other} to complete, which restarts")
        environment = spec.get("environment") or {}
        for key, value in (environment.items() if isinstance(environment, dict) else []):
            for host in re.findall(r"^https?://([a-z0-9-]+):\d+", str(value)):
                if host not in defined and host not in ("localhost", "127.0.0.1"):
                    problems.append(f"{name}: {key} names {host}, which is no compose service")
    # Cycles in depends_on.
    state = {}

    def visit(name, path):
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            problems.append("depends_on cycle: " + " -> ".join(path + [name]))
            return
        state[name] = "open"
        for other in (defined.get(name, {}).get("depends_on") or {}):
            if other in defined:
                visit(other, path + [name])
        state[name] = "done"

    for name in defined:
        visit(name, [])
    return problems


def self_test(compose, text, services):
    def broken(edit):
        copied = copy.deepcopy(compose)
        edit(copied["services"])
        return copied

    cases = {
        "a missing service": (broken(lambda s: s.pop(services[-1])), text),
        "a health wait on a service without health check": (broken(lambda s: s["nexus-gateway"]["depends_on"].update({"mailpit": {"condition": "service_healthy"}})), text),
        "a depends_on cycle": (broken(lambda s: s["migrate"].setdefault("depends_on", {}).update({"nexus-gateway": {"condition": "service_started"}})), text),
        "an unpinned image": (broken(lambda s: s["jaeger"].update(image="jaegertracing/all-in-one:latest")), text),
        "a port open to all": (broken(lambda s: s["grafana"].update(ports=["3000:3000"])), text),
        "a variable .env lacks": (compose, text + "\n# ${NEXUS_NOT_WRITTEN}\n"),
        "a writable root": (broken(lambda s: s[services[0]].update(read_only=False)), text),
    }
    return [what for what, (c, t) in cases.items() if not check(c, t, services)]


def main():
    text = (ROOT / "docker-compose.yml").read_text()
    compose = yaml.safe_load(text)
    services = workspace_services()
    problems = check(compose, text, services)
    if "--self-test" in sys.argv:
        problems += [f"self-test: {what} went unnoticed" for what in self_test(compose, text, services)]
    for problem in problems:
        print(f"check_compose: {problem}", file=sys.stderr)
    print(f"check_compose: {len(compose['services'])} compose services, {len(services)} workspace services checked")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
