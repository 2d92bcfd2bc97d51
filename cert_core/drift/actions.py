"""The policy's response to a drift event: the enabled automatic actions for its level, run in
order; the manual actions are listed for a person, never run.

An action runs when the event's level is at least its ``trigger_level`` ("all": any drift). Each
one does something real here:

    log_drift_event         log the event with its diff (files, parameters old -> new, metrics)
    capture_system_state    a 0600 JSON snapshot under <state_dir>/drift/snapshots/
    run_validation_tests    config validate + a routing smoke run on the sample (cert validate)
    performance_benchmark   time a routing pass over the sample against the pre-drift figure
    trigger_overlay_rebuild re-read the micro-overlays into a new router, then validate
    trigger_degradation     the configured degradation: the budget tripwire's minimal overlay parameters
    adjust_quality_thresholds  needs a person (disabled in the shipped policy); listed when enabled

An action that fails is reported as failed; the others still run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import CertConfig, load_config
from ..config.drift_policy import DriftAction, ResponseActions
from ..errors import CertError, ConfigError
from ..io.private import write_private_atomic
from ..observability import get_logger
from ..statuses import DriftSeverity
from ..validation import DEFAULT_SAMPLE, check_project
from .types import DriftEvent

__all__ = ["ACTIONS", "ActionContext", "ActionOutcome", "ActionReport", "event_diff", "execute_drift_actions",
           "summary_names"]

log = get_logger(__name__)


@dataclass(frozen=True)
class ActionContext:
    """Where the actions act: the config they validate, the state dir they write to."""

    state_dir: Path
    config_dir: str | None = None
    env: str | None = None
    results_dir: str | None = None
    scenarios_path: str = DEFAULT_SAMPLE


@dataclass(frozen=True)
class ActionOutcome:
    name: str
    ok: bool
    detail: str
    metrics: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionReport:
    executed: tuple[ActionOutcome, ...]
    manual: tuple[str, ...]  # listed for a person, not run

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.executed]

    @property
    def performance_impact(self) -> dict[str, float]:
        return {k: v for a in self.executed for k, v in a.metrics.items()}


def event_diff(event: DriftEvent) -> list[str]:
    lines = []
    for c in event.file_changes:
        if c.version_change:
            what = f"version {c.old_version} -> {c.new_version}"
        elif c.old_hash and c.new_hash:
            what = f"sha {c.old_hash[:12]} -> {c.new_hash[:12]}"
        else:
            what = f"sha {c.new_hash[:12]}" if c.new_hash else f"was sha {c.old_hash[:12]}" if c.old_hash else ""
        lines.append(f"{c.change_type.value}: {c.file_path} {c.detail or what}".rstrip())
    for p in event.param_changes:
        lines.append(f"parameter{' (critical)' if p.critical else ''}: {p.file_path}:{p.parameter} "
                     f"{p.old_value!r} -> {p.new_value!r}")
    for q in event.quality_checks:
        if q.drifted:
            stats = ", ".join(f"{n} {r.score:.4g}" + (f" p={r.p_value:.3g}" if r.p_value is not None else "")
                              for n, r in q.results.items())
            lines.append(f"quality: {q.metric} drifted ({stats}; {q.n_reference} vs {q.n_recent} rows)")
    return lines


def _config(ctx: ActionContext) -> CertConfig:
    return load_config(ctx.config_dir, ctx.env)


def _log_drift_event(event: DriftEvent, params: Mapping[str, Any], ctx: ActionContext) -> ActionOutcome:
    level = {"debug": 10, "info": 20, "warning": 30, "error": 40}.get(str(params.get("log_level", "info")), 20)
    extra: dict[str, Any] = {"event_id": event.event_id, "severity": event.severity.value if event.severity else None}
    if params.get("include_diff", True):
        extra["diff"] = event_diff(event)
    if params.get("include_context", True):
        extra["facts"] = list(event.facts)
    log.log(level, f"drift event: {event.message}", extra=extra)
    return ActionOutcome("log_drift_event", True, f"logged with {len(extra.get('diff', []))} diff lines")


def _capture_system_state(event: DriftEvent, params: Mapping[str, Any], ctx: ActionContext) -> ActionOutcome:
    from ..governance.tripwire import default_state_file

    snapshot: dict[str, Any] = {"event_id": event.event_id, "detected_at": event.detected_at.isoformat(),
                                "severity": event.severity.value if event.severity else None,
                                "message": event.message, "diff": event_diff(event)}
    if params.get("include_configurations", True):
        config = _config(ctx)
        snapshot["config_version"] = config.config_version
        snapshot["config"] = config.sections()
    if params.get("include_metrics", True):
        tripwire = default_state_file(ctx.state_dir)
        try:
            snapshot["tripwire_state"] = json.loads(tripwire.read_text()) if tripwire.exists() else None
        except ValueError:
            snapshot["tripwire_state"] = "corrupt"
    if params.get("include_performance_data", True):
        snapshot["quality"] = [{"metric": q.metric, "status": q.status.value, "drifted": q.drifted,
                                **{n: r.score for n, r in q.results.items()}} for q in event.quality_checks]
    path = ctx.state_dir / "drift" / "snapshots" / f"{event.event_id}.json"
    write_private_atomic(path, json.dumps(snapshot, indent=1, default=str).encode("utf-8"))
    return ActionOutcome("capture_system_state", True, f"snapshot at {path}")


def _run_validation_tests(event: DriftEvent, params: Mapping[str, Any], ctx: ActionContext) -> ActionOutcome:
    from ..validation import validate_project

    report = validate_project(ctx.config_dir, ctx.env, ctx.scenarios_path, ctx.results_dir)
    return ActionOutcome("run_validation_tests", report.ok, report.summary())


def _routing_pass_seconds(config: CertConfig, scenarios_path: str, repeats: int) -> tuple[float, int]:
    from ..io.scenario_source import read_scenario_rows
    from ..paths import project_path
    from ..routing.router import RuntimeRouter, route_chunk

    rows = read_scenario_rows(project_path(scenarios_path), config.input_limits)
    router = RuntimeRouter.from_config(config)
    times, routed = [], 0
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        routed = len(route_chunk(router, rows).pairs)
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2], routed


def _performance_benchmark(event: DriftEvent, params: Mapping[str, Any], ctx: ActionContext) -> ActionOutcome:
    seconds, n = _routing_pass_seconds(_config(ctx), ctx.scenarios_path, int(params.get("repeats", 5)))
    rate = n / seconds if seconds > 0 else float("inf")
    baseline_file = ctx.state_dir / "drift" / f"benchmark-{params.get('comparison_baseline', 'pre_drift')}.json"
    if baseline_file.exists():
        baseline = float(json.loads(baseline_file.read_text())["routing_scenarios_per_s"])
        ratio = rate / baseline if baseline else float("nan")
        detail = f"routing {rate:.0f} scenarios/s, {ratio:.2f}x the baseline {baseline:.0f}/s"
    else:
        baseline, ratio = rate, 1.0
        write_private_atomic(baseline_file, json.dumps({"routing_scenarios_per_s": rate}).encode())
        detail = f"routing {rate:.0f} scenarios/s (first measurement; saved as the baseline)"
    return ActionOutcome("performance_benchmark", True, detail,
                         {"routing_scenarios_per_s": rate, "routing_vs_baseline": ratio})


def _trigger_overlay_rebuild(event: DriftEvent, params: Mapping[str, Any], ctx: ActionContext) -> ActionOutcome:
    from ..routing.router import RuntimeRouter

    config = _config(ctx)
    router = RuntimeRouter.from_config(config)
    detail = f"router rebuilt with {len(router.overlays)} overlays"
    if params.get("validate_after_rebuild", True):
        report = check_project(config, ctx.scenarios_path)
        return ActionOutcome("trigger_overlay_rebuild", report.ok, f"{detail}; {report.summary()}")
    return ActionOutcome("trigger_overlay_rebuild", True, detail)


def _trigger_degradation(event: DriftEvent, params: Mapping[str, Any], ctx: ActionContext) -> ActionOutcome:
    from ..governance.tripwire import BudgetTripwire, default_state_file

    strategy = params.get("strategy", "budget_downgrade")
    if strategy != "budget_downgrade":
        raise ConfigError(f"drift_policy.yaml trigger_degradation: unknown strategy {strategy!r}; use budget_downgrade")
    tripwire = BudgetTripwire(_config(ctx).energy_governance.budget_tripwire, default_state_file(ctx.state_dir))
    reason = f"drift event {event.event_id} ({event.severity.value if event.severity else 'none'}): {event.message}"
    already = tripwire.force_downgrade(reason[:300])
    return ActionOutcome("trigger_degradation", True, "budget downgrade was already active" if already
                         else "budget downgrade activated (minimal overlay parameters) until recovery or "
                              "`cert`'s tripwire reset")


Handler = Callable[[DriftEvent, Mapping[str, Any], ActionContext], ActionOutcome]
ACTIONS: dict[str, Handler] = {
    "log_drift_event": _log_drift_event,
    "capture_system_state": _capture_system_state,
    "run_validation_tests": _run_validation_tests,
    "performance_benchmark": _performance_benchmark,
    "trigger_overlay_rebuild": _trigger_overlay_rebuild,
    "trigger_degradation": _trigger_degradation,
}


def _due(action: DriftAction, severity: DriftSeverity) -> bool:
    return action.trigger_level == "all" or severity.rank >= DriftSeverity(action.trigger_level).rank


def execute_drift_actions(event: DriftEvent, response: ResponseActions, ctx: ActionContext) -> ActionReport:
    """Run the enabled automatic actions due at the event's level; list the manual ones."""
    if event.severity is None:
        return ActionReport((), ())
    manual = [a.name for a in response.manual_actions]
    executed: list[ActionOutcome] = []
    for action in response.automatic_actions:
        if not action.enabled or not _due(action, event.severity):
            continue
        handler = ACTIONS.get(action.name)
        if handler is None:  # enabled but nothing here can do it: a person must
            manual.append(action.name)
            continue
        try:
            executed.append(handler(event, action.parameters, ctx))
        except (CertError, OSError) as exc:
            executed.append(ActionOutcome(action.name, False, f"failed: {type(exc).__name__}: {exc}"))
    for outcome in executed:
        (log.info if outcome.ok else log.error)(f"drift action {outcome.name}: {outcome.detail}")
    return ActionReport(tuple(executed), tuple(manual))


def summary_names(outcomes: Sequence[ActionOutcome]) -> list[str]:
    return [o.name if o.ok else f"{o.name} (failed)" for o in outcomes]
