#!/usr/bin/env python3
"""Checks the Kubernetes manifests as an operator would apply them (deploy/check-manifests.sh).

For each overlay (`kubectl kustomize deploy/k8s/overlays/<name>`):

1. every object validates against the Kubernetes OpenAPI schemas, offline and strict (unknown
   fields are errors), with `kubernetes-validate`; the two KEDA kinds, whose schemas are not
   Kubernetes', are checked for what this platform relies on (target, trigger, auth reference);
2. every service in the workspace (`services/*`) has its Deployment, Service,
   PodDisruptionBudget and NetworkPolicy, and they fit together: selectors select the
   Deployment's pods, the container runs that service's binary, probes ask /health and /ready,
   the root file system is read-only, the user is not root, memory is limited;
3. the wiring holds: every `http://nexus-...` setting names a Service that exists, every Secret
   and ConfigMap a pod reads is either in the output or one the operator creates
   (deploy/k8s/base/config.yaml lists them), every object carries the platform's part-of label,
   and a default-deny NetworkPolicy exists.

`--self-test` first breaks a copy of the objects in known ways and fails unless each breakage is
reported, so this check cannot pass by checking nothing.
"""

import copy
import json
import re
import pathlib
import subprocess
import sys

import yaml
import kubernetes_validate

ROOT = pathlib.Path(__file__).resolve().parents[2]
KUBERNETES_VERSION = "1.33.0"
OVERLAYS = ["dev", "prod"]
# Secrets and ConfigMaps the operator creates before the first apply (base/config.yaml).
OPERATOR_SECRETS = {
    "nexus-secrets", "nexus-redis", "nexus-auth-keys", "nexus-auth-totp-keys", "nexus-chain",
    "nexus-relayer", "nexus-samples", "nexus-tls", "nexus-mail",
}
OPERATOR_CONFIGMAPS = {"nexus-chain-deployment"}
CUSTOM_KINDS = {"ScaledObject", "TriggerAuthentication"}


def workspace_services():
    return sorted(p.name for p in (ROOT / "services").iterdir() if (p / "Cargo.toml").is_file())


def render(overlay):
    out = subprocess.run(
        ["kubectl", "kustomize", str(ROOT / "deploy/k8s/overlays" / overlay)],
        check=True, capture_output=True, text=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def find(objects, kind, name):
    return next((o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name), None)


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


_VALIDATED = {}


def validate(obj):
    """The object's schema problem, or None; remembered per object (the self-test re-checks
    mostly unchanged objects, and loading a schema is the slow part)."""
    key = json.dumps(obj, sort_keys=True)
    if key not in _VALIDATED:
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
            _VALIDATED[key] = None
        except kubernetes_validate.ValidationError as error:
            path = "/".join(str(p) for p in error.path)
            _VALIDATED[key] = f"{where}: {error.message} (at {path or 'top'})"
        except kubernetes_validate.SchemaNotFoundError:
            _VALIDATED[key] = f"{where}: no Kubernetes {KUBERNETES_VERSION} schema for {obj['apiVersion']} {obj['kind']}"
    return _VALIDATED[key]


def schema_problems(objects):
    problems = [p for p in (validate(o) for o in objects if o["kind"] not in CUSTOM_KINDS) if p]
    for scaled in (o for o in objects if o["kind"] == "ScaledObject"):
        spec = scaled.get("spec", {})
        target = spec.get("scaleTargetRef", {}).get("name")
        if not find(objects, "Deployment", target):
            problems.append(f"ScaledObject/{scaled['metadata']['name']}: scales {target!r}, which is no Deployment here")
        for trigger in spec.get("triggers") or [{}]:
            if not trigger.get("type") or not trigger.get("metadata"):
                problems.append(f"ScaledObject/{scaled['metadata']['name']}: a trigger without type or metadata")
            auth = trigger.get("authenticationRef", {}).get("name")
            if auth and not find(objects, "TriggerAuthentication", auth):
                problems.append(f"ScaledObject/{scaled['metadata']['name']}: authenticationRef {auth!r} is missing")
        if find(objects, "HorizontalPodAutoscaler", target):
            problems.append(f"ScaledObject/{scaled['metadata']['name']}: {target} also has an HPA; KEDA makes its own")
    return problems


def service_problems(objects, services):
    problems = []
    for service in services:
        deployment = find(objects, "Deployment", service)
        if deployment is None:
            problems.append(f"{service}: no Deployment")
            continue
        pod = deployment["spec"]["template"]
        labels = pod["metadata"].get("labels", {})
        spec = pod["spec"]
        if not selects(deployment["spec"]["selector"], labels):
            problems.append(f"{service}: the Deployment's selector does not select its pods")
        for kind, selector_of in [
            ("Service", lambda o: {"matchLabels": o["spec"].get("selector", {})}),
            ("PodDisruptionBudget", lambda o: o["spec"].get("selector")),
            ("NetworkPolicy", lambda o: o["spec"].get("podSelector")),
        ]:
            obj = find(objects, kind, service)
            if obj is None:
                problems.append(f"{service}: no {kind}")
            elif not selects(selector_of(obj), labels):
                problems.append(f"{service}: its {kind} does not select the Deployment's pods")
        strategy = deployment["spec"].get("strategy", {})
        if strategy.get("type") == "Recreate" and "rollingUpdate" in strategy:
            problems.append(f"{service}: a Recreate strategy with rollingUpdate settings is refused by the API server")
        containers = spec.get("containers", [])
        if len(containers) != 1:
            problems.append(f"{service}: expected one container, found {len(containers)}")
            continue
        container = containers[0]
        if container.get("command", [None])[0] != service:
            problems.append(f"{service}: the container runs {container.get('command')}, not {service}")
        for probe, path in [("livenessProbe", "/health"), ("readinessProbe", "/ready")]:
            if container.get(probe, {}).get("httpGet", {}).get("path") != path:
                problems.append(f"{service}: {probe} must ask {path}")
        security = container.get("securityContext", {})
        if security.get("readOnlyRootFilesystem") is not True or security.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{service}: needs readOnlyRootFilesystem true and allowPrivilegeEscalation false")
        if spec.get("securityContext", {}).get("runAsNonRoot") is not True:
            problems.append(f"{service}: pods must run as non-root")
        if not container.get("resources", {}).get("limits", {}).get("memory"):
            problems.append(f"{service}: no memory limit")
        mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
        if "/tmp" not in mounts:
            problems.append(f"{service}: no writable /tmp on a read-only root file system")
    return problems


def wiring_problems(objects):
    problems = []
    services = {o["metadata"]["name"] for o in objects if o["kind"] == "Service"}
    secrets = OPERATOR_SECRETS | {o["metadata"]["name"] for o in objects if o["kind"] == "Secret"}
    configmaps = OPERATOR_CONFIGMAPS | {o["metadata"]["name"] for o in objects if o["kind"] == "ConfigMap"}
    values = []
    for cm in (o for o in objects if o["kind"] == "ConfigMap"):
        values += [(f"ConfigMap/{cm['metadata']['name']}", k, v) for k, v in (cm.get("data") or {}).items()]
    for obj in objects:
        template = obj.get("spec", {}).get("template") if obj["kind"] in ("Deployment", "StatefulSet", "Job") else None
        if template is None:
            continue
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        spec = template["spec"]
        for container in spec.get("containers", []):
            for env in container.get("env", []):
                if "value" in env:
                    values.append((where, env["name"], env["value"]))
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref and ref["name"] not in secrets:
                    problems.append(f"{where}: reads the unknown Secret {ref['name']}")
            for source in container.get("envFrom", []):
                if "secretRef" in source and source["secretRef"]["name"] not in secrets:
                    problems.append(f"{where}: reads the unknown Secret {source['secretRef']['name']}")
                if "configMapRef" in source and source["configMapRef"]["name"] not in configmaps:
                    problems.append(f"{where}: reads the unknown ConfigMap {source['configMapRef']['name']}")
        for volume in spec.get("volumes", []):
            if "secret" in volume and volume["secret"]["secretName"] not in secrets:
                problems.append(f"{where}: mounts the unknown Secret {volume['secret']['secretName']}")
            if "configMap" in volume and volume["configMap"]["name"] not in configmaps:
                problems.append(f"{where}: mounts the unknown ConfigMap {volume['configMap']['name']}")
            claim = volume.get("persistentVolumeClaim", {}).get("claimName")
            if claim and not find(objects, "PersistentVolumeClaim", claim):
                problems.append(f"{where}: mounts the missing PersistentVolumeClaim {claim}")
    for where, name, value in values:
        value = str(value)
        if value.startswith("http://nexus-"):
            host = value[len("http://"):].split("/")[0].split(":")[0]
            if host not in services:
                problems.append(f"{where}: {name}={value} names no Service")
    for obj in objects:
        if obj["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") != "nexus-security":
            problems.append(f"{obj['kind']}/{obj['metadata']['name']}: no app.kubernetes.io/part-of: nexus-security label")
    problems += trusted_proxy_problems(objects)
    deny = [o for o in objects if o["kind"] == "NetworkPolicy" and o["spec"].get("podSelector") == {}
            and not o["spec"].get("ingress") and not o["spec"].get("egress")]
    if not deny:
        problems.append("no default-deny NetworkPolicy (empty podSelector, no rules)")
    return problems


def trusted_proxy_problems(objects):
    """Behind the Ingress every request comes from an ingress controller pod: unless the gateway
    trusts their network to report the client, every per-address limit lumps all clients
    together. Each entry must look like an address or CIDR range (the gateway refuses others
    at start)."""
    gateway = find(objects, "Deployment", "nexus-gateway")
    if gateway is None:
        return []
    env = {e["name"]: e.get("value") for e in gateway["spec"]["template"]["spec"]["containers"][0].get("env", [])}
    value = str(env.get("NEXUS_GATEWAY__TRUSTED_PROXIES") or "")
    entries = [e.strip() for e in value.strip().strip("[]").split(",") if e.strip()]
    if not entries:
        return ["Deployment/nexus-gateway: NEXUS_GATEWAY__TRUSTED_PROXIES names no proxy range (every client would look like the ingress controller)"]
    shape = re.compile(r"^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$")
    return [f"Deployment/nexus-gateway: NEXUS_GATEWAY__TRUSTED_PROXIES entry {e!r} is not an address or CIDR range"
            for e in entries if not shape.match(e)]


def check(objects, services):
    return schema_problems(objects) + service_problems(objects, services) + wiring_problems(objects)


def self_test(objects, services):
    """Each breakage must be reported; returns the breakages that were not."""
    def without(kind, name):
        return [o for o in objects if not (o["kind"] == kind and o["metadata"]["name"] == name)]

    def edited(kind, name, edit):
        copied = copy.deepcopy(objects)
        edit(find(copied, kind, name))
        return copied

    container = lambda d: d["spec"]["template"]["spec"]["containers"][0]
    breakages = {
        "a missing NetworkPolicy": without("NetworkPolicy", services[-1]),
        "a missing PodDisruptionBudget": without("PodDisruptionBudget", services[0]),
        "an unknown field": edited("Deployment", services[0], lambda d: container(d).update(imagePullPolicyy="Always")),
        "a probe on the wrong path": edited("Deployment", services[0], lambda d: container(d)["readinessProbe"]["httpGet"].update(path="/health")),
        "a wrong binary": edited("Deployment", services[1], lambda d: container(d).update(command=["nexus-gateway"])),
        "a writable root": edited("Deployment", services[1], lambda d: container(d)["securityContext"].update(readOnlyRootFilesystem=False)),
        "a Service selecting nothing": edited("Service", services[0], lambda s: s["spec"].update(selector={"app.kubernetes.io/name": "nobody"})),
        "an upstream without a Service": edited("Deployment", "nexus-gateway", lambda d: container(d)["env"].append({"name": "NEXUS_GATEWAY__UPSTREAMS__X", "value": "http://nexus-nowhere"})),
        "an unlabelled object": edited("Service", services[2], lambda s: s["metadata"].update(labels={})),
        "no trusted proxy range at the gateway": edited("Deployment", "nexus-gateway", lambda d: container(d).update(env=[e for e in container(d)["env"] if e["name"] != "NEXUS_GATEWAY__TRUSTED_PROXIES"])),
        "an unknown Secret": edited("Deployment", services[0], lambda d: container(d)["envFrom"].append({"secretRef": {"name": "typo-secrets"}})),
    }
    return [what for what, broken in breakages.items() if not check(broken, services)]


def main():
    services = workspace_services()
    if len(services) < 9:
        print(f"check_k8s: found only {services} under services/", file=sys.stderr)
        return 1
    problems = []
    for overlay in OVERLAYS:
        objects = render(overlay)
        if "--self-test" in sys.argv:
            missed = self_test(objects, services)
            problems += [f"self-test ({overlay}): {what} went unnoticed" for what in missed]
        problems += [f"{overlay}: {p}" for p in check(objects, services)]
        print(f"check_k8s: {overlay}: {len(objects)} objects, {len(services)} services checked")
    for problem in problems:
        print(f"check_k8s: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
