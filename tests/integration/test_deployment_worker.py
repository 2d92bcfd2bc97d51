"""End to end through a real Prefect server, the way an operator runs cert-flows.

One module-scoped stack (tests/integration/_prefect_stack.py): `prefect server start` with basic auth
on a free loopback port and a temporary PREFECT_HOME, `prefect work-pool create`, `prefect deploy --all`
against deployments/prefect.yaml, and `prefect worker start` with the credentials. The tests then use
`prefect deployment run`, a Prefect event, the UI in headless Chromium, and `cert metrics serve`.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.integration._prefect_stack import CERT, free_port, http, prefect_stack, stop_process_group, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def stack(repo_root, tmp_path_factory):
    with prefect_stack(repo_root, tmp_path_factory.mktemp("prefect-stack")) as running:
        yield running


@pytest.fixture(scope="module")
def spec(repo_root) -> dict:
    return yaml.safe_load((repo_root / "deployments" / "prefect.yaml").read_text())


@pytest.fixture(scope="module")
def deployments(stack) -> dict[tuple[str, str], dict]:
    """(flow name, deployment name) -> the deployment as the server has it."""
    flows = {f["id"]: f["name"] for f in stack.post("/flows/filter", {})}
    return {(flows[d["flow_id"]], d["name"]): d for d in stack.post("/deployments/filter", {})}


@pytest.fixture(scope="module")
def worker_runs(stack, tmp_path_factory):
    """`prefect deployment run` for drift-scan and route-scenarios; the worker runs both (and, at the
    same time, the validation run that a critical drift event triggers)."""
    stack.prefect("event", "emit", "cert.drift.critical", "--resource-id", "cert.drift.incremental")
    out = tmp_path_factory.mktemp("worker-results")
    ids = {"drift": stack.run_deployment("drift-scan/every-10-min", results_dir=str(out)),
           "route": stack.run_deployment("route-scenarios/on-demand", results_dir=str(out))}
    return out, {name: stack.wait_for_run(run_id, timeout=240) for name, run_id in ids.items()}


def test_deploy_all_registers_every_deployment_of_prefect_yaml(deployments, spec, repo_root):
    expected = {(entry["entrypoint"].split(":")[1].replace("_", "-"), entry["name"]) for entry in spec["deployments"]}
    assert set(deployments) == expected
    drift = deployments[("drift-scan", "every-10-min")]
    assert drift["work_pool_name"] == "cert-process" and drift["parameters"] == {"deep": False}
    assert drift["parameter_openapi_schema"]["properties"]["deep"]["type"] == "boolean"
    assert drift["parameter_openapi_schema"]["properties"]["deep"]["description"]
    assert [s["schedule"]["cron"] for s in drift["schedules"]] == ["*/10 * * * *"]  # (deactivated by the stack)
    assert not deployments[("route-scenarios", "on-demand")]["schedules"]
    # no pull steps in the file: the worker runs the flows from this checkout
    assert drift["pull_steps"] == [{"prefect.deployments.steps.set_working_directory": {"directory": str(repo_root)}}]


def test_without_credentials_the_api_answers_401_and_health_probes_stay_open(stack):
    assert http(stack.api + "/deployments/filter", body={})[0] == 401
    assert http(stack.api + "/deployments/filter", auth="cert-admin:wrong", body={})[0] == 401
    assert http(stack.api + "/deployments/filter", auth=stack.auth, body={})[0] == 200
    assert http(stack.api + "/health")[0] == 200  # what compose and Kubernetes probe


def test_the_worker_with_credentials_runs_drift_scan_and_routing(stack, worker_runs, deployments):
    out, runs = worker_runs
    assert runs["drift"]["deployment_id"] == deployments[("drift-scan", "every-10-min")]["id"]
    assert runs["route"]["deployment_id"] == deployments[("route-scenarios", "on-demand")]["id"]
    # the first scan under a fresh state dir writes the baseline manifest (owner-only) and no findings
    manifest = stack.base / "state" / "drift" / "manifest.json"
    assert manifest.is_file() and manifest.stat().st_mode & 0o077 == 0
    events = pd.read_parquet(out / "drift_events")
    assert "flow_run_id" in events.columns and events.empty
    decisions, rejects = pd.read_parquet(out / "routing_decisions"), pd.read_parquet(out / "scenario_rejects")
    assert (len(decisions), len(rejects)) == (65, 7)
    assert set(decisions["flow_run_id"]) == {runs["route"]["id"]}


def test_the_worker_health_endpoint_is_where_the_probes_look(stack, repo_root):
    manifest = [d for d in yaml.safe_load_all((repo_root / "deployments/kubernetes/worker.yaml").read_text()) if d]
    worker = next(d for d in manifest if d["kind"] == "Deployment")["spec"]["template"]["spec"]["containers"][0]
    path = worker["livenessProbe"]["httpGet"]["path"]
    wait_until(lambda: http(f"http://127.0.0.1:{stack.worker_health_port}{path}")[0] == 200, 60, "the worker health")


def test_a_critical_drift_event_runs_the_validation_deployment(stack, deployments, worker_runs):
    automations = stack.post("/automations/filter", {})
    (automation,) = [a for a in automations if a["name"] == "validate-on-critical-drift"]
    assert automation["actions"][0]["deployment_id"] == deployments[("validate-project", "on-demand")]["id"]
    # worker_runs emitted cert.drift.critical (`prefect event emit`) before starting its runs
    runs = wait_until(lambda: stack.runs_of("validate-project"), 60, "the triggered validation run")
    assert runs[0]["deployment_id"] == deployments[("validate-project", "on-demand")]["id"]
    stack.wait_for_run(runs[0]["id"], timeout=240)


def _artifact_dir(repo_root: Path) -> Path:
    path = Path(os.environ.get("CERT_TEST_ARTIFACT_DIR", repo_root / "test-artifacts")) / "ui"
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_from_the_ui_a_custom_deep_drift_scan_runs_to_completion(stack, deployments, repo_root):
    """Headless Debian chromium driven by Playwright (no browser download): log in with the basic-auth
    string, open the drift-scan deployment, Run -> Custom run, set deep, submit, watch it complete."""
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing under CI=true; .ci/run installs the Debian package chromium")
        pytest.skip(f"{CHROMIUM} not installed (`apt-get install chromium`; .ci/run does)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    sync_playwright, expect = playwright_api.sync_playwright, playwright_api.expect
    deployment = deployments[("drift-scan", "every-10-min")]
    shot = _artifact_dir(repo_root) / "drift-scan-custom-run-form.png"
    # a corrupt drift state file: the deep scan must report it as critical drift
    manifest = stack.base / "state" / "drift" / "manifest.json"
    manifest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    manifest.write_text("{not json")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(30_000)
            page.goto(f"{stack.ui}/login")
            page.locator("input[type=password]").fill(stack.auth)
            page.get_by_role("button", name="Login").click()
            page.wait_for_url(lambda url: "/login" not in url)

            page.goto(f"{stack.ui}/deployments/deployment/{deployment['id']}")
            page.get_by_role("button", name="Run", exact=True).click()
            page.get_by_text("Custom run", exact=True).click()
            page.wait_for_url("**/run?**")
            # the run form explains each field with the flow's docstring
            page.get_by_text("Re-hash every watched file", exact=False).wait_for()
            (deep,) = page.get_by_role("switch").all()  # drift_scan has one boolean parameter: deep
            expect(deep).to_have_attribute("aria-checked", "false")
            deep.click()
            expect(deep).to_have_attribute("aria-checked", "true")
            page.screenshot(path=str(shot), full_page=True)
            before = {r["id"] for r in stack.runs_of("drift-scan")}
            page.get_by_role("button", name="Submit").click()
            # once the API has created the run, the UI goes back to the deployment page (a failure shows a toast)
            try:
                page.wait_for_url(lambda url: url.split("?")[0].endswith(deployment["id"]), timeout=90_000)
            except Exception:
                page.screenshot(path=str(shot.with_name("drift-scan-after-submit.png")), full_page=True)
                raise AssertionError(f"the UI did not leave the run form after Submit; it shows: "
                                     f"{page.locator('body').inner_text()[:1500]}") from None
            new = wait_until(lambda: [r for r in stack.runs_of("drift-scan") if r["id"] not in before
                                      and r["deployment_id"] == deployment["id"] and r["parameters"].get("deep")],
                             60, "the run submitted from the UI")
            (run_id,) = [r["id"] for r in new]
            page.goto(f"{stack.ui}/runs/flow-run/{run_id}")
            # the run page follows the run: Pending, Running, then Completed
            expect(page.get_by_text("Completed", exact=True).first).to_be_visible(timeout=240_000)
        finally:
            browser.close()

    run = stack.wait_for_run(run_id, timeout=60)
    assert run["deployment_id"] == deployment["id"] and run["parameters"]["deep"] is True
    assert shot.stat().st_size > 10_000
    events = pd.read_parquet(stack.base / "scheduled-results" / "drift_events")  # CERT_RESULTS_DIR of the worker
    mine = events[events["flow_run_id"] == run_id]
    assert set(mine["scan_kind"]) == {"deep"} and set(mine["severity"]) == {"critical"}


def test_every_metric_in_alerts_and_dashboards_is_in_the_exporter_output_after_the_runs(stack, worker_runs):
    """`cert metrics serve` in multiprocess mode over the worker's flow runs (drift scan and routing):
    every name the alerts and dashboards use is exported, and the runs' own series have samples."""
    from tests.unit.test_ops_artifacts import exposed_series_names, referenced_metrics

    port = free_port()
    env = {**stack.client_env, "PROMETHEUS_MULTIPROC_DIR": str(stack.metrics_dir)}
    server = subprocess.Popen([CERT, "metrics", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        status, body = wait_until(lambda: (r := http(f"http://127.0.0.1:{port}/metrics"))[0] == 200 and r, 60,
                                  "cert metrics serve")
        text = body.decode()
    finally:
        stop_process_group(server)
    from prometheus_client.parser import text_string_to_metric_families

    sampled = {s.name for family in text_string_to_metric_families(text) for s in family.samples}
    # what the two runs must have recorded, across their worker subprocesses
    assert {"cert_routing_decisions_total", "cert_rows_written_total", "cert_drift_last_severity",
            "cert_drift_scan_duration_seconds_count"} <= sampled, sorted(sampled)
    # the rest is declared by the exporter even before anything used it
    declared = exposed_series_names(text) | _declared_without_samples()
    missing = sorted(name for name in referenced_metrics() if name not in declared)
    assert not missing, f"alerts/dashboards name metrics the exporter does not export: {missing}"


def _declared_without_samples() -> set[str]:
    """In multiprocess mode a metric appears only once a process used it; the exporter's own
    declaration (cert_core/observability/metrics.py) covers the ones these runs did not touch."""
    from prometheus_client import generate_latest

    from cert_core.observability.metrics import CertMetrics
    from tests.unit.test_ops_artifacts import exposed_series_names

    return exposed_series_names(generate_latest(CertMetrics().registry).decode())


def test_cert_serve_runs_the_same_deployments_from_one_process(stack, spec, tmp_path):
    """Last in the module: the laptop path without a worker. The worker stops, the worker-pool
    deployments are deleted (served ones of the same names cannot take them over), and `cert serve`
    registers every deployment of prefect.yaml and runs route-scenarios itself."""
    stack.stop_worker()
    stack.prefect("--no-prompt", "deployment", "delete", "--all")
    out = tmp_path / "served"
    with open(stack.log_dir / "serve.log", "wb") as log:
        server = subprocess.Popen([CERT, "serve"], env=stack.client_env, cwd=tmp_path, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        served = wait_until(lambda: len(d := stack.post("/deployments/filter", {})) == len(spec["deployments"]) and d,
                            120, "cert serve to register the deployments")
        assert {(d["work_pool_name"], d["path"]) for d in served} == {(None, ".")}
        run_id = stack.run_deployment("route-scenarios/on-demand", results_dir=str(out))
        try:
            stack.wait_for_run(run_id, timeout=240)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- cert serve ---\n{(stack.log_dir / 'serve.log').read_text()[-3000:]}") from None
        assert len(pd.read_parquet(out / "routing_decisions")) == 65
    finally:
        stop_process_group(server, signal.SIGINT)
