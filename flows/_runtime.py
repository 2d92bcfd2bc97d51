"""What every flow uses, so the three flows read alike (docs/architecture.md):

    with flow_context(config_dir, env, results_dir) as run:    # run id, logs, config, output folder
        chunks = chunked(items, size)
        with make_task_runner(task_runner, dask_address, workers) as runner:  # a flow parameter picks it
            results = gather_chunks(X_chunk_task, chunks, "x-progress", runner=runner, config=run.config)
        write_datasets_task({dataset: rows, ...}) (published together), then publish_X_summary_task(...)
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from prefect import Task, get_run_logger, unmapped
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from cert_core.config import CertConfig, get_settings
from cert_core.errors import ConfigError
from cert_core.observability import configure_logging, correlation_id
from cert_core.secrets import install_scrub_filter
from cert_core.stop import stop_on_signals
from tasks.config import load_config_task

from ._runners import RUNNERS, RunnerName

__all__ = [
    "RUNNERS",
    "FlowRun",
    "Progress",
    "RunnerName",
    "chunked",
    "current_run_id",
    "flow_context",
    "gather_chunks",
    "make_task_runner",
    "resolve_results_dir",
    "start_run_logging",
]

T = TypeVar("T")
R = TypeVar("R")

_logging_ready = threading.Event()


def start_run_logging() -> None:
    """Structured logs for cert_core (CERT_LOG_FORMAT json|human, CERT_LOG_LEVEL), once per process.

    Each line carries the flow run id as its correlation_id (set by the flow with `correlation_id`).
    """
    if not _logging_ready.is_set():
        settings = get_settings()
        configure_logging(settings.log_level, settings.log_format)
        _logging_ready.set()
    # Prefect's handlers too: its console and the API log handler that fills the flow run's log
    install_scrub_filter(*(logging.getLogger(n) for n in ("", "prefect.flow_runs", "prefect.task_runs", "prefect.extra")))


def current_run_id() -> str:
    return str(flow_run.id or "adhoc")


def resolve_results_dir(results_dir: str | None) -> str:
    return str(Path(results_dir) if results_dir else get_settings().results_dir)


@dataclass(frozen=True)
class FlowRun:
    run_id: str
    config: CertConfig
    results_dir: str
    logger: Any


@contextmanager
def flow_context(config_dir: str | None, env: str | None, results_dir: str | None) -> Iterator[FlowRun]:
    """The start every flow shares: structured logs, the run id as every log line's correlation id,
    the effective config (the `load-config` task) and the results folder."""
    start_run_logging()
    run_id = current_run_id()
    with correlation_id(run_id), stop_on_signals():  # SIGTERM/Ctrl-C: stop new calls, still write the rows
        config = load_config_task(config_dir, env)
        yield FlowRun(run_id, config, resolve_results_dir(results_dir), get_run_logger())


def chunked(items: Sequence[T], size: int) -> list[list[T]]:
    size = max(1, int(size))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def make_task_runner(name: str, dask_address: str | None = None, max_workers: int = 2) -> TaskRunner:
    """A thread pool of ``max_workers``, or prefect-dask's DaskTaskRunner: the scheduler at
    ``dask_address``, else a process LocalCluster with as many task slots in all (one worker
    process per core at most, the slots shared out as threads)."""
    if name == "thread":
        return ThreadPoolTaskRunner(max_workers=max_workers)
    if name == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        processes = max(1, min(max_workers, os.cpu_count() or 1))
        # dashboard on a free port: two runs at once must not fight over 8787
        return DaskTaskRunner(cluster_kwargs={"n_workers": processes, "processes": True,
                                              "threads_per_worker": -(-max_workers // processes),
                                              "dashboard_address": ":0"})
    raise ConfigError(f"unknown task runner {name!r}; use {' or '.join(repr(r) for r in RUNNERS)}")


class Progress:
    """A Prefect progress artifact updated at most once per ``min_interval_s`` (each update is an
    API round trip), and always at the end."""

    def __init__(self, key: str, description: str, total: int, min_interval_s: float = 1.0) -> None:
        self.total = max(1, total)
        self.min_interval_s = min_interval_s
        self._artifact = create_progress_artifact(0.0, key=key, description=description)
        self._last = time.monotonic()

    def advance(self, done: int) -> None:
        now = time.monotonic()
        if done >= self.total or now - self._last >= self.min_interval_s:
            update_progress_artifact(self._artifact, 100.0 * min(done, self.total) / self.total)
            self._last = now


def gather_chunks(
    task: Task[..., R],
    chunks: Sequence[Sequence[Any]],
    progress_key: str,
    *,
    runner: TaskRunner | None = None,
    on_failure: Callable[[Sequence[Any], BaseException], R] | None = None,
    progress: Progress | None = None,
    **shared: Any,
) -> list[R]:
    """One task run per chunk (``task(chunk=..., **shared)``), on ``runner`` (default: the flow's).

    Results come back in chunk order; a progress artifact advances as chunks finish, in whatever
    order they finish. A chunk whose task failed gives ``on_failure(chunk, error)`` when given,
    else the flow fails with that error. A streamed flow passes its own ``progress`` (and
    advances it itself) instead of one per call.
    """
    logger = get_run_logger()
    own_progress = progress is None
    if progress is None:
        progress = Progress(progress_key, f"{len(chunks)} chunks of {task.name}", len(chunks))
    # quote(): Prefect does not walk bulk data for dependency tracking (10k rows cost ~30 s). Only
    # in-process: Dask rebuilds a quote (a namedtuple) and the dataclasses inside it as plain tuples.
    in_process = runner is None or isinstance(runner, ThreadPoolTaskRunner)
    wrapped = [quote(c) if in_process else c for c in chunks]
    parameters = {"chunk": wrapped, **{k: unmapped(v) for k, v in shared.items()}}
    futures = runner.map(task, parameters) if runner is not None else task.map(**parameters)
    index = {future: i for i, future in enumerate(futures)}
    results: list[Any] = [None] * len(chunks)
    for done, future in enumerate(as_completed(list(futures)), start=1):
        i = index[future]
        if on_failure is None:
            results[i] = future.result()
        else:
            outcome = future.result(raise_on_failure=False)
            results[i] = on_failure(chunks[i], outcome) if isinstance(outcome, BaseException) else outcome
        if own_progress:
            progress.advance(done)
        logger.info("%s: chunk %d/%d done (%d items)", task.name, done, len(chunks), len(chunks[i]))
    if not chunks and own_progress:
        progress.advance(progress.total)
    return results
