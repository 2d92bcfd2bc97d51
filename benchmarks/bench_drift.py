"""Drift scan costs: an incremental file scan against a full re-hash, and quality drift over 1M rows.

1. FILES (10,000) unchanged Python files under cert_core/ of a temporary tree, watched by the shipped
   drift policy. After the baseline, the incremental scan (stat only: size, mtime_ns, inode) and
   the deep scan (every file read and hashed) are timed alternately, REPEATS each; medians.
   `incremental_over_full` = incremental / full (target <= 0.1). The page cache is warm for both,
   so the full scan's figure is a lower bound: on a cold cache the ratio is smaller still. Also
   reported: `stat_floor_over_full`, one bare os.stat per file over the full scan, the least any
   scan that notices in-place edits must pay (an edit changes the file's mtime, not its folder's).
2. Quality drift over HISTORY_ROWS rows (half routing_decisions, half fusion_runs; the newest 100
   routing confidences shifted), in a fresh spawned process per repeat so its peak RSS is its own:
   the time of `run_quality_drift` (median) and the process's peak RSS, beside the RSS of a process
   that only imported the same modules.
The last line of stdout is one JSON object.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _common  # puts the repo on sys.path

FILES, REPEATS = 10_000, 5
HISTORY_ROWS, QUALITY_REPEATS = 1_000_000, 3
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make_tree(root: Path, files: int) -> None:
    # ~3.9 KB each: the mean size of this project's cert_core/flows/tasks modules (3.8 KB)
    body = "".join(f"def function_{i:03d}(value):\n    return value * {i}  # a line of code\n\n" for i in range(64))
    for i in range(files):
        folder = root / "cert_core" / f"pkg{i // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"mod{i:05d}.py").write_text(f'"""module {i}"""\n{body}')


def file_scan_figures(tmp: Path) -> dict:
    from cert_core.config import load_config
    from cert_core.drift import DriftWatchdog

    root = tmp / "tree"
    make_tree(root, FILES)
    watchdog = DriftWatchdog(load_config().drift_policy, root=root, state_dir=tmp / "state")
    first = watchdog.run_drift_check()
    assert first.files_scanned == FILES, first.files_scanned
    incremental, full = [], []
    for _ in range(REPEATS):  # alternate so machine load hits both alike
        for deep, times in ((False, incremental), (True, full)):
            started = time.perf_counter()
            outcome = watchdog.scan_for_changes(deep=deep)
            times.append(time.perf_counter() - started)
            assert outcome.scan.files_hashed == (FILES if deep else 0) and not outcome.scan.changes
    inc, ful = statistics.median(incremental), statistics.median(full)
    paths = [str(p) for p in (root / "cert_core").rglob("*.py")]
    floor = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for path in paths:
            os.stat(path)
        floor.append(time.perf_counter() - started)
    return {"files": FILES, "incremental_s": round(inc, 4), "full_s": round(ful, 4),
            "incremental_over_full": round(inc / ful, 4), "target_incremental_over_full": 0.1,
            "stat_floor_over_full": round(statistics.median(floor) / ful, 4)}


def write_history(results: Path, rows: int) -> None:
    import numpy as np
    import pyarrow as pa

    from cert_core.io import to_table, write_dataset

    rng = np.random.default_rng(0)
    half = rows // 2
    times = pa.array([T0 + timedelta(seconds=i) for i in range(half)], pa.timestamp("us", tz="UTC"))
    confidence = rng.normal(0.8, 0.05, half).clip(0, 1)
    confidence[-100:] -= 0.2
    routing = to_table("routing_decisions", pa.table({
        "scenario_id": pa.array([f"s{i}" for i in range(half)]), "category": pa.array(["c"] * half),
        "complexity": pa.array(np.full(half, 0.5)), "complexity_level": pa.array(["medium"] * half),
        "selected_overlay": pa.array(["o"] * half), "confidence": pa.array(confidence),
        "fallback_options": pa.array([[]] * half, pa.list_(pa.string())), "reasoning": pa.array(["r"] * half),
        "config_version": pa.array(["v"] * half), "flow_run_id": pa.array(["bench"] * half), "routed_at": times}))
    status = np.where(rng.random(half) < 0.02, "error", "ok")
    fusion = to_table("fusion_runs", pa.table({
        "scenario_id": pa.array([f"s{i}" for i in range(half)]), "backend": pa.array(["simulated"] * half),
        "status": pa.array(status), "latency_ms": pa.array(rng.gamma(4.0, 50.0, half)),
        "flow_run_id": pa.array(["bench"] * half), "run_at": times}))
    for part in range(10):  # ten runs' parts, as a real history has
        lo, hi = part * half // 10, (part + 1) * half // 10
        write_dataset("routing_decisions", routing.slice(lo, hi - lo), results, f"bench-{part}", validate=False)
        write_dataset("fusion_runs", fusion.slice(lo, hi - lo), results, f"bench-{part}", validate=False)


def _peak_rss_mb() -> float:
    return _common.peak_rss_mb()


def quality_worker(results: str, only_import: bool, out) -> None:
    from cert_core.config import load_config
    from cert_core.drift.quality import run_quality_drift

    settings = load_config().drift_policy.quality_drift
    if only_import:
        out.put((0.0, _peak_rss_mb(), 0, []))
        return
    started = time.perf_counter()
    checks = run_quality_drift(settings, results)
    elapsed = time.perf_counter() - started
    out.put((elapsed, _peak_rss_mb(), sum(c.status.value == "tested" for c in checks),
             [c.metric for c in checks if c.drifted]))


def in_fresh_process(results: Path, only_import: bool) -> tuple:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=quality_worker, args=(str(results), only_import, out))
    proc.start()
    figures = out.get(timeout=600)
    proc.join()
    return figures


def quality_figures(tmp: Path) -> dict:
    results = tmp / "results"
    write_history(results, HISTORY_ROWS)
    runs = [in_fresh_process(results, False) for _ in range(QUALITY_REPEATS)]
    imported = in_fresh_process(results, True)
    return {"quality_rows": HISTORY_ROWS, "quality_s": round(statistics.median(r[0] for r in runs), 4),
            "quality_peak_rss_mb": round(statistics.median(r[1] for r in runs), 1),
            "quality_import_only_rss_mb": round(imported[1], 1), "quality_metrics_tested": runs[0][2],
            "quality_drifted": runs[0][3]}


def main() -> None:
    tmp = _common.setup(isolated_prefect=False)
    os.environ.setdefault("CERT_STATE_DIR", str(tmp / "state"))
    figures = {**file_scan_figures(tmp), **quality_figures(tmp)}
    print(f"incremental scan of {FILES} unchanged files: {figures['incremental_s']:.3f} s; full re-hash "
          f"{figures['full_s']:.3f} s; ratio {figures['incremental_over_full']:.3f} (target <= 0.1)")
    print(f"quality drift over {HISTORY_ROWS:,} rows: {figures['quality_s']:.2f} s, peak RSS "
          f"{figures['quality_peak_rss_mb']:.0f} MB (import alone {figures['quality_import_only_rss_mb']:.0f} MB)")
    _common.emit(figures)


if __name__ == "__main__":
    main()
