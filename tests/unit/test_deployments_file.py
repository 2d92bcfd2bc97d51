"""deployments/prefect.yaml is checked statically: entrypoints load and parameters exist."""

from __future__ import annotations

import inspect

import pytest
import yaml

from prefect.flows import load_flow_from_entrypoint


@pytest.fixture(scope="module")
def deployments(repo_root):
    return yaml.safe_load((repo_root / "deployments" / "prefect.yaml").read_text())["deployments"]


def test_every_deployment_names_a_loadable_flow_and_real_parameters(deployments, repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    assert deployments
    for dep in deployments:
        flow = load_flow_from_entrypoint(dep["entrypoint"])
        accepted = set(inspect.signature(flow.fn).parameters)
        assert set(dep.get("parameters", {})) <= accepted, (dep["name"], set(dep["parameters"]) - accepted)
        assert dep["work_pool"]["name"] == "cert-process"
        for schedule in dep.get("schedules", []):
            assert len(schedule["cron"].split()) == 5 and schedule["timezone"] == "UTC"
