#!/usr/bin/env python3
"""Do the services accept the settings the deployments give them? Run after building the
services (not part of check-manifests.sh, which needs no build):

    cargo build -p nexus-gateway -p nexus-auth ...   (or scripts/dev.sh's build)
    python3 deploy/tests/check_settings.py [--target-dir DIR]

For each Deployment of both Kubernetes overlays, and each nexus-* service of
docker-compose.yml, it runs `<service binary> migrate` with exactly that service's environment
(the nexus-config ConfigMap, its own env, placeholder values for Secrets) and a database that is
not there. `migrate` loads and validates the service's whole configuration first, as a start
does: exit 2 means a setting was refused (a misspelt key inside a section the service reads, a
bad value), exit 1 that the settings were accepted and only the absent database stopped it.
Every binary must exist; a missing one is a failure, not a skip.
"""

import os
import pathlib
import re
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
UNREACHABLE = {
    "NEXUS_DATABASE__URL": "postgres://postgres@127.0.0.1:1/nexus",
    "NEXUS_DATABASE__CONNECT_RETRIES": "0",
}
SECRETS = {  # placeholders of the right shape for each Secret key the manifests read
    "NEXUS_DATABASE__URL": "postgres://nexus:placeholder@postgres:5432/nexus",
    "NEXUS_REDIS__URL": "redis://:placeholder@redis:6379",
    "NEXUS_SERVICE_AUTH__TOKENS": "a" * 64,
    "rpc_url": "https://node.example/placeholder",
    "private_key": "0x" + "11" * 32,
    "access_key_id": "placeholder",
    "secret_access_key": "placeholder",
    "smtp_host": "smtp.example",
    "smtp_username": "placeholder",
    "smtp_password": "placeholder",
    "unsubscribe_secret": "p" * 48,
}
# What the image sets (Dockerfile ENV).
IMAGE_ENV = {"NEXUS_GATEWAY__DASHBOARD__DIR": "/usr/share/nexus/dashboard"}


def target_dir():
    if "--target-dir" in sys.argv:
        return pathlib.Path(sys.argv[sys.argv.index("--target-dir") + 1])
    return pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug"


def environments():
    for overlay in ["dev", "prod"]:
        out = subprocess.run(["kubectl", "kustomize", str(ROOT / "deploy/k8s/overlays" / overlay)],
                             check=True, capture_output=True, text=True).stdout
        docs = [d for d in yaml.safe_load_all(out) if d]
        config = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "nexus-config")["data"]
        for deployment in (d for d in docs if d["kind"] == "Deployment"):
            container = deployment["spec"]["template"]["spec"]["containers"][0]
            env = {**IMAGE_ENV, **SECRETS, **config}
            for item in container.get("env", []):
                env[item["name"]] = item["value"] if "value" in item else SECRETS[item["valueFrom"]["secretKeyRef"]["key"]]
            yield overlay, container["command"][0], env
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    shared = {k: re.sub(r"\$\{[^}]*\}", "placeholder" * 4, str(v)) for k, v in compose["x-nexus-environment"].items()}
    shared["NEXUS_BOUNTY__RELAYER__PRIVATE_KEY"] = SECRETS["private_key"]
    for name, spec in compose["services"].items():
        if name.startswith("nexus-"):
            yield "compose", spec["command"][0], {**IMAGE_ENV, **shared}


def main():
    binaries = target_dir()
    problems = 0
    for where, binary, env in environments():
        path = binaries / binary
        if not path.exists():
            print(f"check_settings: {where}: {binary}: not built in {binaries}", file=sys.stderr)
            problems += 1
            continue
        result = subprocess.run([str(path), "migrate"], env={"PATH": "/usr/bin:/bin", **env, **UNREACHABLE},
                                capture_output=True, text=True, timeout=60)
        if result.returncode != 1:
            print(f"check_settings: {where}: {binary} exit {result.returncode}: {result.stderr.strip()}", file=sys.stderr)
            problems += 1
        else:
            print(f"check_settings: {where}: {binary}: settings accepted")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
