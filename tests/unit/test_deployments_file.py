"""deployments/prefect.yaml is checked statically: entrypoints load, parameters exist and are described,
and `cert serve` builds the same deployments from it."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import pytest
import yaml

from prefect.flows import load_flow_from_entrypoint
from prefect.utilities.callables import parameter_schema

from cert_cli.commands.serve import served_deployments
from cert_core.paths import PROJECT_ROOT


@pytest.fixture(scope="module")
def deployments(repo_root):
    return yaml.safe_load((repo_root / "deployments" / "prefect.yaml").read_text())["deployments"]


@pytest.fixture(scope="module")
def flows(deployments, repo_root):
    return {dep["entrypoint"]: load_flow_from_entrypoint(str(repo_root / dep["entrypoint"])) for dep in deployments}


def test_every_deployment_names_a_loadable_flow_and_real_parameters(deployments, flows):
    assert deployments
    for dep in deployments:
        flow = flows[dep["entrypoint"]]
        accepted = set(inspect.signature(flow.fn).parameters)
        assert set(dep.get("parameters", {})) <= accepted, (dep["name"], set(dep["parameters"]) - accepted)
        assert dep["work_pool"]["name"] == "cert-process"
        for schedule in dep.get("schedules", []):
            assert len(schedule["cron"].split()) == 5 and schedule["timezone"] == "UTC"


def test_deployment_names_are_unique_per_flow(deployments, flows):
    keys = [(flows[d["entrypoint"]].name, d["name"]) for d in deployments]
    assert len(keys) == len(set(keys))


def test_every_flow_parameter_has_a_type_and_a_description_for_the_ui_form(flows):
    for flow in flows.values():
        schema = parameter_schema(flow.fn).model_dump()
        for name, prop in schema["properties"].items():
            assert prop.get("description"), f"{flow.name}: parameter {name!r} has no docstring description"
            # the UI renders descriptions as markdown: an <angle> placeholder vanishes from the form
            assert "<" not in prop["description"], (flow.name, name, prop["description"])
            assert "type" in prop or "anyOf" in prop or "$ref" in prop or "allOf" in prop, (flow.name, name, prop)


def test_on_demand_deployments_have_no_schedule_and_the_nightly_one_is_active(deployments, flows):
    by_key = {(flows[d["entrypoint"]].name, d["name"]): d for d in deployments}
    for flow_name in ("route-scenarios", "fusion-pipeline", "coordination-baseline", "coordinated-run"):
        assert not by_key[(flow_name, "on-demand")].get("schedules")
    (nightly,) = by_key[("trajectory-batch", "nightly")]["schedules"]
    assert nightly["active"] is True and nightly["cron"].split()[2:] == ["*", "*", "*"]


def test_cert_serve_builds_every_deployment_of_the_file(deployments, flows):
    served = served_deployments()
    assert [(d.flow_name, d.name) for d in served] == [(flows[d["entrypoint"]].name, d["name"]) for d in deployments]
    for runner_dep, spec in zip(served, deployments):
        assert runner_dep.parameters == spec.get("parameters", {})
        assert [s.schedule.cron for s in runner_dep.schedules] == [s["cron"] for s in spec.get("schedules", [])]
        assert len(runner_dep.triggers) == len(spec.get("triggers", []))


def test_cert_serve_without_an_api_url_says_what_to_start(tmp_path):
    # a process of its own: a session's Prefect test harness would otherwise lend it an API URL
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {"PREFECT_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "cert_cli.main", "serve"], capture_output=True, text=True,
                            env=env, cwd=PROJECT_ROOT, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "PREFECT_API_URL is not set" in output and "prefect server start" in output


def test_drift_scans_run_on_the_drift_policy_schedule(deployments, flows, config_dir):
    from cert_core.config import load_config

    schedule = load_config(config_dir).drift_policy.monitoring.monitoring_schedule
    by_key = {(flows[d["entrypoint"]].name, d["name"]): d for d in deployments}
    (incremental,) = by_key[("drift-scan", "every-10-min")]["schedules"]
    (deep,) = by_key[("drift-scan", "deep-every-6h")]["schedules"]
    assert incremental["cron"].split() == [f"*/{schedule.check_interval_minutes}", "*", "*", "*", "*"]
    assert deep["cron"].split()[1:] == [f"*/{schedule.deep_scan_interval_hours}", "*", "*", "*"]
    assert incremental["active"] and deep["active"]
    assert by_key[("drift-scan", "every-10-min")]["parameters"]["deep"] is False
    assert by_key[("drift-scan", "deep-every-6h")]["parameters"]["deep"] is True


def test_a_critical_drift_event_triggers_the_validation_deployment(deployments, flows):
    from pydantic import TypeAdapter
    from prefect.events.schemas.deployment_triggers import DeploymentTriggerTypes

    triggered = [(flows[d["entrypoint"]].name, d["name"], t) for d in deployments for t in d.get("triggers", [])]
    assert [(f, n) for f, n, _ in triggered] == [("validate-project", "on-demand")]
    trigger = TypeAdapter(DeploymentTriggerTypes).validate_python(triggered[0][2])
    assert trigger.expect == {"cert.drift.critical"} and trigger.posture == "Reactive" and trigger.threshold == 1
    # the resources the drift-scan flow emits on (tasks/drift.py: cert.drift.<scan kind>) match it
    from prefect.events.schemas.events import Resource

    for kind in ("incremental", "deep"):
        assert trigger.match.matches(Resource({"prefect.resource.id": f"cert.drift.{kind}"}))
    assert not trigger.match.matches(Resource({"prefect.resource.id": "prefect.flow-run.x"}))
