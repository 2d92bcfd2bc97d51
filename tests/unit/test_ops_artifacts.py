"""The operations kit is checked statically (no Docker engine or cluster here): promtool on the rules,
thresholds against the configs, and compose / Kubernetes files against the code and each other."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from cert_cli.commands.metrics import serve as metrics_serve_command
from cert_core.paths import PROJECT_ROOT
from prefect.settings.models.worker import WorkerWebserverSettings

DEPLOY = PROJECT_ROOT / "deployments"
PROMTOOL = shutil.which("promtool")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
AUTH_VARS = ("PREFECT_API_AUTH_STRING", "PREFECT_SERVER_API_AUTH_STRING")


def _yaml(path: Path):
    return yaml.safe_load(path.read_text())


def _yaml_all(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.fixture(scope="module")
def promtool() -> str:
    if PROMTOOL is None:
        if IN_CI:
            pytest.fail("promtool is missing under CI=true; .ci/run installs the Debian package prometheus")
        pytest.skip("promtool not on PATH; `apt-get install prometheus` (.ci/run does)")
    return PROMTOOL


def _promtool(promtool: str, *args: str) -> str:
    out = subprocess.run([promtool, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, f"promtool {' '.join(args)}:\n{out.stdout}\n{out.stderr}"
    return out.stdout


def test_alert_rules_check_clean_and_pass_their_unit_tests(promtool):
    assert "SUCCESS" in _promtool(promtool, "check", "rules", "deployments/prometheus/alerts.yml")
    assert "SUCCESS" in _promtool(promtool, "test", "rules", "deployments/prometheus/alerts_test.yml")
    assert "SUCCESS" in _promtool(promtool, "check", "config", "deployments/prometheus/prometheus.yml")


@pytest.fixture(scope="module")
def alerts() -> dict[str, dict]:
    groups = _yaml(DEPLOY / "prometheus" / "alerts.yml")["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


def _threshold(expr: str) -> str:
    return re.search(r">\s*([0-9.* ]+)\s*$", expr.strip()).group(1).strip()


def test_every_issue_alert_exists_with_a_runbook_that_the_docs_have(alerts):
    assert {"CertHighErrorRate", "CertLatencyP95High", "CertCostNearHourlyLimit", "CertCircuitBreakerOpen",
            "CertBudgetTripwireActive", "CertCriticalDrift", "CertTrajectoryQualityFailures"} <= set(alerts)
    runbooks = (PROJECT_ROOT / "docs" / "operations" / "runbooks.md").read_text()
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).strip().replace(" ", "-")
               for h in re.findall(r"^#+ (.+)$", runbooks, re.M)}
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in ("warning", "critical"), name
        path, anchor = rule["annotations"]["runbook"].split("#")
        assert path == "docs/operations/runbooks.md" and anchor in anchors, (name, anchor)


def test_alert_thresholds_follow_the_configs(alerts, config_dir):
    slo = _yaml(config_dir / "slo.yaml")["service_level_objectives"]
    hourly = _yaml(config_dir / "energy_governance.yaml")["budget_limits"]["hourly_cost_limit_usd"]
    assert float(_threshold(alerts["CertHighErrorRate"]["expr"])) == pytest.approx(1 - slo["fusion_availability"]["alert_threshold"])
    assert float(_threshold(alerts["CertLatencyP95High"]["expr"])) == slo["fusion_latency_p95"]["alert_threshold_ms"] / 1000
    factor, limit = _threshold(alerts["CertCostNearHourlyLimit"]["expr"]).split("*")
    assert float(limit) == hourly and 0 < float(factor) < 1


@pytest.fixture(scope="module")
def compose() -> dict:
    return _yaml(DEPLOY / "docker" / "docker-compose.yml")


@pytest.fixture(scope="module")
def k8s() -> dict[str, dict]:
    return {doc["kind"]: doc for doc in _yaml_all(DEPLOY / "kubernetes" / "worker.yaml")}


def _project_version() -> str:
    return re.search(r'^version = "([^"]+)"', (PROJECT_ROOT / "pyproject.toml").read_text(), re.M).group(1)


def test_images_are_the_one_project_image_at_the_project_version(compose, k8s):
    image = f"cert-flows:{_project_version()}"
    cert_services = {n for n, s in compose["services"].items() if "build" in s}
    assert cert_services == {"prefect-server", "deploy", "worker", "metrics"}
    assert {compose["services"][n]["image"] for n in cert_services} == {image}
    assert compose["services"]["worker"]["build"]["dockerfile"] == "deployments/docker/Dockerfile"
    containers = k8s["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert {c["image"] for c in containers} == {image}
    assert (PROJECT_ROOT / compose["services"]["worker"]["build"]["dockerfile"]).is_file()


def _option_default(command: click.Command, name: str):
    return next(p.default for p in command.params if p.name == name)


def test_ports_and_probes_agree_with_the_code(compose, k8s):
    worker_port = WorkerWebserverSettings().port
    metrics_port = _option_default(metrics_serve_command, "port")
    dockerfile = (DEPLOY / "docker" / "Dockerfile").read_text()
    exposed = {int(p) for p in re.search(r"^EXPOSE (.+)$", dockerfile, re.M).group(1).split()}
    assert exposed == {4200, worker_port, metrics_port}
    assert f"127.0.0.1:{worker_port}/health" in dockerfile  # HEALTHCHECK on Prefect's worker webserver

    services = compose["services"]
    assert "--with-healthcheck" in services["worker"]["command"]
    assert f"127.0.0.1:{worker_port}/health" in services["worker"]["healthcheck"]["test"][-1]
    assert services["metrics"]["command"][-1] == str(metrics_port)
    assert "127.0.0.1:4200/api/health" in services["prefect-server"]["healthcheck"]["test"][-1]
    prometheus = _yaml(DEPLOY / "prometheus" / "prometheus.yml")
    assert prometheus["scrape_configs"][0]["static_configs"][0]["targets"] == [f"metrics:{metrics_port}"]

    worker, metrics = k8s["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert "--with-healthcheck" in worker["args"]
    for probe in ("livenessProbe", "readinessProbe"):
        assert worker[probe]["httpGet"] == {"path": "/health", "port": worker_port}
        assert metrics[probe]["httpGet"] == {"path": "/metrics", "port": metrics_port}
    for container in (worker, metrics):
        limits, requests = container["resources"]["limits"], container["resources"]["requests"]
        assert set(limits) == set(requests) == {"cpu", "memory"}
    assert worker["ports"][0]["containerPort"] == worker_port and metrics["ports"][0]["containerPort"] == metrics_port
    assert k8s["Service"]["spec"]["ports"][0]["targetPort"] == metrics_port


def test_the_work_pool_is_the_one_prefect_yaml_deploys_to(compose, k8s):
    pool = _yaml(DEPLOY / "prefect.yaml")["definitions"]["work_pools"]["process"]["name"]
    assert services_pool(compose["services"]["worker"]["command"]) == pool
    assert services_pool(k8s["Deployment"]["spec"]["template"]["spec"]["containers"][0]["args"]) == pool
    assert f"work-pool create {pool} --type process" in " ".join(compose["services"]["deploy"]["command"])
    assert "deploy --prefect-file deployments/prefect.yaml --all" in " ".join(compose["services"]["deploy"]["command"])
    job = _yaml(DEPLOY / "kubernetes" / "deploy-job.yaml")["spec"]["template"]["spec"]["containers"][0]
    assert job["args"] == compose["services"]["deploy"]["command"]  # the same one-off registration
    assert job["image"] == compose["services"]["deploy"]["image"]
    assert job["env"][1]["valueFrom"]["secretKeyRef"] == {"name": "prefect-api-auth", "key": "auth-string"}


def services_pool(args: list[str]) -> str:
    return args[args.index("--pool") + 1]


def test_basic_auth_comes_from_a_secret_and_is_never_written_in_the_files(compose, k8s):
    text = "".join(p.read_text() for p in [DEPLOY / "docker" / "docker-compose.yml", *(DEPLOY / "kubernetes").glob("*.yaml")])
    for var in AUTH_VARS:
        assert not re.search(rf"^\s*{var}\s*[:=]", text, re.M), f"{var} written in a file"
    server_env = compose["services"]["prefect-server"]["environment"]
    assert server_env["PREFECT_SERVER_API_AUTH_STRING_FILE"] == "/run/secrets/prefect_api_auth"
    for name in ("deploy", "worker", "metrics"):
        env = compose["services"][name]["environment"]
        assert env["PREFECT_API_AUTH_STRING_FILE"] == "/run/secrets/prefect_api_auth"
        assert "prefect_api_auth" in compose["services"][name]["secrets"]
    assert compose["secrets"]["prefect_api_auth"] == {"file": "./secrets/prefect_api_auth"}
    assert "deployments/docker/secrets/" in (PROJECT_ROOT / ".gitignore").read_text()
    worker_env = {e["name"]: e for e in k8s["Deployment"]["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert worker_env["PREFECT_API_AUTH_STRING"]["valueFrom"]["secretKeyRef"] == {"name": "prefect-api-auth", "key": "auth-string"}
    assert "value" not in worker_env["PREFECT_API_AUTH_STRING"]


def test_the_entrypoint_turns_secret_files_into_prefect_settings(tmp_path):
    secret = tmp_path / "auth"
    secret.write_text("admin:s3cret")
    env = {"PATH": os.environ["PATH"], "SSL_CERT_FILE": str(tmp_path / "certs.pem")}
    entrypoint = str(DEPLOY / "docker" / "entrypoint.sh")
    script = "import os; print(os.environ.get('PREFECT_SERVER_API_AUTH_STRING'), os.environ.get('SSL_CERT_FILE'))"
    out = subprocess.run(["sh", entrypoint, sys.executable, "-c", script], capture_output=True, text=True, timeout=30,
                         env={**env, "PREFECT_SERVER_API_AUTH_STRING_FILE": str(secret)})
    assert (out.returncode, out.stdout.split()) == (0, ["admin:s3cret", str(tmp_path / "certs.pem")])
    missing = subprocess.run(["sh", entrypoint, "true"], capture_output=True, text=True, timeout=30,
                             env={**env, "PREFECT_API_AUTH_STRING_FILE": str(tmp_path / "nope")})
    assert missing.returncode == 2 and "PREFECT_API_AUTH_STRING_FILE" in missing.stderr


def test_grafana_provisioning_points_at_the_dashboards_and_the_compose_prometheus(compose):
    datasource = _yaml(DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml")["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090"  # the prometheus service's container port
    provider = _yaml(DEPLOY / "grafana" / "provisioning" / "dashboards" / "cert.yml")["providers"][0]
    mounts = dict(v.rsplit(":", 1)[0].split(":") for v in compose["services"]["grafana"]["volumes"] if v.startswith(".."))
    assert mounts["../grafana/dashboards"] == provider["options"]["path"]
    dashboards = sorted((DEPLOY / "grafana" / "dashboards").glob("*.json"))
    assert dashboards
    for path in dashboards:
        board = json.loads(path.read_text())
        assert board["uid"] and board["panels"]
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == datasource["uid"] and panel["targets"], (path.name, panel["title"])


METRIC_NAME = re.compile(r"\b(cert_[a-z0-9_]+)\b")


def referenced_metrics() -> dict[str, set[str]]:
    """Every cert_* series name used by an alert or a dashboard panel, with where it is used."""
    exprs: dict[str, str] = {f"alert {r['alert']}": r["expr"]
                             for g in _yaml(DEPLOY / "prometheus" / "alerts.yml")["groups"] for r in g["rules"]}
    for path in (DEPLOY / "grafana" / "dashboards").glob("*.json"):
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel["targets"]:
                exprs[f"{path.name}: {panel['title']} {target['refId']}"] = target["expr"]
    found: dict[str, set[str]] = {}
    for where, expr in exprs.items():
        for name in METRIC_NAME.findall(expr):
            found.setdefault(name, set()).add(where)
    return found


def exposed_series_names(text: str) -> set[str]:
    """Series names a scrape of ``text`` can match: samples, and the names a declared family exposes."""
    from prometheus_client.parser import text_string_to_metric_families

    suffixes = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created"),
                "gauge": ("",), "summary": ("_sum", "_count", "_created")}
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.update(sample.name for sample in family.samples)
        names.update(family.name + suffix for suffix in suffixes.get(family.type, ("",)))
    return names


def test_every_metric_in_alerts_and_dashboards_is_declared_by_the_exporter():
    from prometheus_client import generate_latest

    from cert_core.observability.metrics import CertMetrics

    referenced = referenced_metrics()
    assert {"cert_drift_last_severity", "cert_quality_drift_drifted", "cert_request_errors_total"} <= set(referenced)
    exposed = exposed_series_names(generate_latest(CertMetrics().registry).decode())
    missing = {name: sorted(where) for name, where in referenced.items() if name not in exposed}
    assert not missing, f"not exported by cert_core/observability/metrics.py: {missing}"
