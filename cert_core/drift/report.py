"""A drift event as dataset rows (drift_events, quality_drift_checks), a table and a markdown report."""

from __future__ import annotations

from collections.abc import Sequence

from .types import DriftEvent, QualityCheck

__all__ = ["event_rows", "quality_rows", "summary_markdown", "summary_table"]


def _short(digest: str | None) -> str | None:
    return digest[:12] if digest else None


def event_rows(event: DriftEvent, actions: Sequence[str], config_version: str, run_id: str) -> list[dict]:
    """One row per finding (a file, a parameter, a drifted metric); none when nothing drifted."""
    if event.severity is None:
        return []
    common = {"severity": event.severity.value, "actions": list(actions), "scan_kind": event.scan_kind,
              "config_version": config_version, "flow_run_id": run_id, "detected_at": event.detected_at}
    rows = []
    for n, change in enumerate(event.file_changes):
        versioned = change.version_change
        rows.append({**common, "event_id": f"{event.event_id}-f{n}", "drift_type": "file", "subject": change.file_path,
                     "change_type": change.change_type.value,
                     "old_value": change.old_version if versioned else _short(change.old_hash),
                     "new_value": change.new_version if versioned else _short(change.new_hash),
                     "detail": change.detail or ("version changed" if versioned else None)})
    for n, param in enumerate(event.param_changes):
        kind = "added" if param.old_value is None else "deleted" if param.new_value is None else "modified"
        rows.append({**common, "event_id": f"{event.event_id}-c{n}", "drift_type": "config",
                     "subject": f"{param.file_path}:{param.parameter}", "change_type": kind,
                     "old_value": param.old_value, "new_value": param.new_value,
                     "detail": "critical parameter" if param.critical else None})
    for n, check in enumerate(q for q in event.quality_checks if q.drifted):
        ks = check.results.get("ks")
        psi = check.results.get("psi")
        rows.append({**common, "event_id": f"{event.event_id}-q{n}", "drift_type": "quality", "subject": check.metric,
                     "change_type": "drifted", "statistic": ks.score if ks else (psi.score if psi else None),
                     "p_value": ks.p_value if ks else None,
                     "detail": f"{check.dataset}: reference {check.n_reference} rows, recent {check.n_recent} rows"
                               + (f", psi {psi.score:.4f}" if psi else "")})
    return rows


def quality_rows(event: DriftEvent, config_version: str, run_id: str) -> list[dict]:
    """Every metric tested (or not, for lack of rows) in the scan."""
    rows = []
    for check in event.quality_checks:
        ks, psi = check.results.get("ks"), check.results.get("psi")
        rows.append({"event_id": event.event_id, "metric": check.metric, "dataset": check.dataset,
                     "status": check.status.value, "n_reference": check.n_reference, "n_recent": check.n_recent,
                     "ks_statistic": ks.score if ks else None, "ks_p_value": ks.p_value if ks else None,
                     "ks_p_adjusted": ks.p_adjusted if ks else None, "psi": psi.score if psi else None,
                     "drifted": check.drifted, "reason": check.reason or None, "config_version": config_version,
                     "flow_run_id": run_id, "checked_at": event.detected_at})
    return rows


def _fmt(value: float | None, spec: str = ".4g") -> str:
    return "" if value is None else format(value, spec)


def summary_table(checks: Sequence[QualityCheck]) -> list[dict]:
    table = []
    for check in checks:
        ks, psi = check.results.get("ks"), check.results.get("psi")
        table.append({"metric": check.metric, "status": check.status.value, "reference rows": check.n_reference,
                      "recent rows": check.n_recent, "KS statistic": _fmt(ks.score if ks else None),
                      "p-value": _fmt(ks.p_value if ks else None), "BH p-value": _fmt(ks.p_adjusted if ks else None),
                      "PSI": _fmt(psi.score if psi else None), "drifted": "yes" if check.drifted else "no"})
    return table


def summary_markdown(event: DriftEvent, actions: Sequence[str], manual: Sequence[str], paths: Sequence[str]) -> str:
    severity = event.severity.value if event.severity else "none"
    lines = [f"# Drift scan ({event.scan_kind}): severity **{severity}**", "", event.message, "",
             f"- files watched: {event.files_scanned}, hashed this scan: {event.files_hashed}",
             f"- facts: {', '.join(event.facts) or 'none'}"]
    if event.file_changes:
        lines += ["", "## Files", "", "| file | change | detail |", "| --- | --- | --- |"]
        for c in event.file_changes:
            detail = c.detail or (f"version {c.old_version} -> {c.new_version}" if c.version_change else "")
            lines.append(f"| `{c.file_path}` | {c.change_type.value} | {detail} |")
    if event.param_changes:
        lines += ["", "## Parameters beyond tolerance", "", "| file | parameter | old | new | critical |",
                  "| --- | --- | --- | --- | --- |"]
        for p in event.param_changes:
            lines.append(f"| `{p.file_path}` | {p.parameter} | {p.old_value} | {p.new_value} | "
                         f"{'yes' if p.critical else ''} |")
    if actions or manual:
        lines += ["", "## Response", "", f"- automatic actions run: {', '.join(actions) or 'none'}",
                  f"- manual actions (listed, not run): {', '.join(manual) or 'none'}"]
    if paths:
        lines += ["", "## Datasets", ""] + [f"- `{p}`" for p in paths]
    return "\n".join(lines) + "\n"
