"""deploy/ against the code: the compose file, the Kubernetes manifests and the systemd units name the settings,
ports, probes and entry points the code really has, and pin their images."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from engine.testing import ROOT
from web.config import WebSettings
from workers.config import WorkerSettings

DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose" / "docker-compose.yaml"


def load_all(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def env_names(settings: type[BaseSettings]) -> list[str]:
    """The first environment name of each field (the one the deploy files should use)."""
    names = []
    for name, field in settings.model_fields.items():
        alias = field.validation_alias
        if alias is None:
            continue  # code-only settings (no environment name)
        first = alias if isinstance(alias, str) else alias.choices[0]
        names.append(str(first) if isinstance(first, str) else name)
    return names


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text()))


def service_env(name: str) -> dict[str, str]:
    """A compose service's environment with `${VAR:-default}` resolved to its default (as with an empty .env)."""
    env = compose()["services"][name].get("environment", {})
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    resolved = {}
    for k, v in env.items():
        v = str(v)
        if re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", v):
            v = "set-in-dot-env"  # required from .env: compose refuses to start without it
        resolved[k] = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", v)
    return resolved


def settings_from(settings: type[BaseSettings], env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in env_names(settings):
        monkeypatch.delenv(name, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return settings(_env_file=None)  # type: ignore[call-arg]


def test_env_example_lists_every_setting() -> None:
    text = (DEPLOY / "compose" / ".env.example").read_text()
    listed = set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", text, re.M))
    missing = [n for s in (WorkerSettings, WebSettings) for n in env_names(s) if n not in listed]
    assert not missing, f".env.example lacks {missing}"
    # nothing secret is filled in
    for name in (
        "CAMUNDA_CLIENT_SECRET",
        "IPA_WEB_SECRET",
        "CAMUNDA_BASIC_AUTH_PASSWORD",
        "CAMUNDA_LICENSE_KEY",
        "IPA_OIDC_CLIENT_SECRET",
    ):
        assert re.search(rf"^# {name}=$", text, re.M), name


def test_compose_workers_settings_match_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    services = compose()["services"]
    env = service_env("workers")
    settings = settings_from(WorkerSettings, env, monkeypatch)
    assert settings.zeebe_address == "orchestration:26500" and settings.insecure
    assert settings.zeebe_address.split(":")[0] in services
    # the health check asks /readyz on the port the service listens on
    check = " ".join(services["workers"]["healthcheck"]["test"])
    assert f"127.0.0.1:{settings.health_port}/readyz" in check
    assert any(str(p).endswith(f":{settings.health_port}") for p in services["workers"]["ports"])
    assert services["workers"]["command"] == ["python", "-m", "workers"]
    # Docker waits longer than the worker's own grace period before it kills
    assert int(services["workers"]["stop_grace_period"].rstrip("s")) > settings.shutdown_grace_s


def test_compose_web_settings_match_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    services = compose()["services"]
    settings = settings_from(WebSettings, service_env("web"), monkeypatch)
    assert settings.camunda_rest_address == "http://orchestration:8080"
    assert settings.secret_key  # required: sessions must survive a restart and be shared by replicas
    assert services["web"]["command"][:2] == ["ipa", "web"]
    port = services["web"]["command"][services["web"]["command"].index("--port") + 1]
    assert f"127.0.0.1:{port}/login" in " ".join(services["web"]["healthcheck"]["test"])
    for name in ("workers", "web", "models"):
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (COMPOSE.parent / services[name]["build"]["context"] / "deploy" / "Dockerfile").is_file()


def test_compose_services_have_health_checks_and_named_volumes() -> None:
    doc = compose()
    for name, service in doc["services"].items():
        if name != "models":  # one-shot
            assert "test" in service.get("healthcheck", {}), name
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            assert source in doc["volumes"], f"{name}: {volume} is not a named volume"


def images() -> list[tuple[str, str]]:
    found = [(f"compose:{n}", s["image"]) for n, s in compose()["services"].items() if "image" in s]
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in load_all(path):
            for c in doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
                found.append((f"{path.name}:{c['name']}", c["image"]))
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        if line.startswith("FROM "):
            found.append(("Dockerfile", line.split()[1]))
    return found


def test_images_are_pinned() -> None:
    for where, image in images():
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        assert tag and tag != "latest" and re.search(r"\d+\.\d+", tag), f"{where}: {image} is not pinned"
    assert ("compose:orchestration", "camunda/camunda:8.8.36") in images()


def k8s(kind: str, name: str) -> dict[str, Any]:
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in load_all(path):
            if doc["kind"] == kind and doc["metadata"]["name"] == name:
                return doc
    raise AssertionError(f"no {kind} {name} in deploy/k8s")


def test_k8s_workers_probe_the_health_port(monkeypatch: pytest.MonkeyPatch) -> None:
    config = k8s("ConfigMap", "ipa-config")["data"]
    settings = settings_from(WorkerSettings, config, monkeypatch)
    deployment = k8s("Deployment", "ipa-workers")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["health"] == settings.health_port
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert container["resources"]["requests"] and container["resources"]["limits"]
    assert pod["terminationGracePeriodSeconds"] > settings.shutdown_grace_s
    assert pod["securityContext"]["runAsNonRoot"] is True
    labels = deployment["spec"]["selector"]["matchLabels"]
    assert k8s("PodDisruptionBudget", "ipa-workers")["spec"]["selector"]["matchLabels"] == labels
    assert k8s("HorizontalPodAutoscaler", "ipa-workers")["spec"]["scaleTargetRef"]["name"] == "ipa-workers"


def test_k8s_web_deployment_and_service() -> None:
    deployment = k8s("Deployment", "ipa-web")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    port = int(container["command"][container["command"].index("--port") + 1])
    assert {p["name"]: p["containerPort"] for p in container["ports"]}["http"] == port
    service = k8s("Service", "ipa-web")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert container["readinessProbe"]["httpGet"]["path"] == "/login"


SECRET = re.compile(r"SECRET|PASSWORD|DATABASE_URL|LICENSE")


def test_k8s_secrets_only_by_reference() -> None:
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in load_all(path):
            assert doc["kind"] != "Secret", f"{path.name}: a Secret with its data belongs outside the repository"
            if doc["kind"] == "ConfigMap":
                assert not [k for k in doc["data"] if SECRET.search(k)], path.name
            for c in doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
                for e in c.get("env", []):
                    if SECRET.search(e["name"]) or e["name"] == "CAMUNDA_CLIENT_ID":
                        assert "secretKeyRef" in e.get("valueFrom", {}), f"{path.name}: {e['name']}"
    helm = yaml.safe_load((DEPLOY / "helm" / "values-camunda.yaml").read_text())
    assert helm["global"]["license"]["secret"]["existingSecret"]
    assert "inlineSecret" not in helm["global"]["license"]["secret"]


def test_systemd_units_run_existing_entry_points() -> None:
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    for unit in ("ipa-workers.service", "ipa-web.service"):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.read(DEPLOY / "systemd" / unit)
        start = parser["Service"]["ExecStart"].split()
        program = Path(start[0]).name
        if program == "python":
            assert start[1] == "-m" and (ROOT / start[2] / "__main__.py").is_file(), unit
        else:
            assert program in scripts, f"{unit}: {program} is no console script"
            from typer.testing import CliRunner

            from ipa.cli import app

            result = CliRunner().invoke(app, [*start[1:], "--help"])
            assert result.exit_code == 0, f"{unit}: {' '.join(start[1:])}: {result.output}"
    workers = configparser.ConfigParser(strict=False, interpolation=None)
    workers.read(DEPLOY / "systemd" / "ipa-workers.service")
    assert int(workers["Service"]["TimeoutStopSec"]) > WorkerSettings(_env_file=None).shutdown_grace_s  # type: ignore[call-arg]


def _docker_engine() -> str | None:
    """Why no image can be built here, or None when a Docker engine answers."""
    if shutil.which("docker") is None:
        return "no docker client"
    probe = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    return None if probe.returncode == 0 else f"no Docker engine: {probe.stderr.strip().splitlines()[-1:]}"


def test_the_image_builds_from_a_clean_checkout(tmp_path: Path) -> None:
    reason = _docker_engine()
    if reason is not None:
        pytest.skip(f"image build: {reason}")
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(checkout)], check=True)
    tag = f"ipa-test:{os.getpid()}"
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    subprocess.run(["docker", "build", "-f", "deploy/Dockerfile", "-t", tag, "."], cwd=checkout, env=env, check=True)
    try:
        user = subprocess.run(["docker", "run", "--rm", tag, "id", "-u"], capture_output=True, text=True, check=True)
        assert user.stdout.strip() != "0"
        help_ = subprocess.run(["docker", "run", "--rm", tag, "ipa", "--help"], capture_output=True, text=True)
        assert help_.returncode == 0 and "web" in help_.stdout
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
