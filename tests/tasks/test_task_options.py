"""The task wrappers' options: retries only for what may succeed next time, no result caching (but
the coordination measurements), no state between task runs."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from concurrent.futures import Future
from pathlib import Path

import pytest
from prefect import Task, flow
from prefect.cache_policies import NO_CACHE, NONE
from prefect.client.orchestration import get_client
from prefect.states import Completed, Failed

import tasks
from cert_core.config.llm import LLMConfig
from cert_core.errors import CircuitBreakerOpen, InvalidInputError, RateLimited, ResourceError, ServerError
from cert_core.llm import Completion
from tasks.datasets import write_dataset_task
from tasks.llm import ExpectedSlotTimeoutFilter, call_llm, configured_call_llm
from tasks.retry import retry_only_recoverable
from tests.support.backends import ScriptedBackend


def _task_objects() -> dict[str, Task]:
    found = {}
    for info in pkgutil.iter_modules(tasks.__path__):
        module = importlib.import_module(f"tasks.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, Task) and value.fn.__module__ == module.__name__:
                found[f"{info.name}.{name}"] = value
    return found


def test_every_task_opts_out_of_result_caching():
    """They read files, call LLMs and spend budget: a cached result would skip the work silently.
    The coordination measurements are cached on purpose, under a key that covers what defines them."""
    from tasks.coordination import MeasurementCachePolicy

    found = _task_objects()
    assert len(found) >= 12
    cached = {name: t for name, t in found.items() if t.cache_policy not in (NONE, NO_CACHE)}
    assert set(cached) == {"coordination.baseline_task", "coordination.strategy_task"}
    assert all(isinstance(t.cache_policy, MeasurementCachePolicy) and t.persist_result for t in cached.values())


def test_task_modules_hold_no_state_between_task_runs():
    """Module-level dicts, lists or sets in tasks/ would be per-process state that a Dask worker lacks."""
    for info in pkgutil.iter_modules(tasks.__path__):
        module = importlib.import_module(f"tasks.{info.name}")
        mutable = [name for name, value in vars(module).items()
                   if isinstance(value, (dict, list, set)) and not name.startswith("__")]
        assert mutable == [], f"tasks/{info.name}.py keeps {mutable}"


def test_retries_are_declared_on_the_decorators_that_need_them():
    found = _task_objects()
    retried = {name: t.retries for name, t in found.items() if t.retries}
    assert retried == {"datasets.write_dataset_task": 2, "datasets.write_datasets_task": 2,
                       "fusion.ensure_llm_limits_task": 2, "llm.call_llm": 2}
    for name in ("datasets.write_dataset_task", "datasets.write_datasets_task", "llm.call_llm"):
        assert found[name].retry_condition_fn is retry_only_recoverable


@pytest.mark.parametrize(("error", "retried"), [
    (ServerError("500"), True),
    (ResourceError("disk busy"), True),
    (CircuitBreakerOpen("open"), False),
    (InvalidInputError("empty prompt"), False),
    (ResourceError("gone", recoverable=False), False),
    (ValueError("a bug"), False),
])
def test_the_retry_condition_retries_only_recoverable_cert_errors(error, retried):
    assert retry_only_recoverable(None, None, Failed(data=error)) is retried


def test_a_completed_state_is_never_retried():
    assert retry_only_recoverable(None, None, Completed(data=1)) is False


def _run(task, *args, **kwargs):
    """Run one task in a flow; return its result (or the exception it failed with) and its run count."""

    @flow(name="task-option-test")
    def one():
        state = task(*args, return_state=True, **kwargs)
        return state.result(raise_on_failure=False), state.state_details.task_run_id

    outcome, task_run_id = one()
    with get_client(sync_client=True) as client:
        return outcome, client.read_task_run(task_run_id).run_count


def _fast(task):
    return task.with_options(retry_delay_seconds=0, retry_jitter_factor=None)


def test_call_llm_retries_what_the_inner_loop_gave_up_on():
    backend = ScriptedBackend(RateLimited("still limited"), RateLimited("still limited"))
    outcome, runs = _run(_fast(call_llm), backend, "hello", max_tokens=10, temperature=0)
    assert isinstance(outcome, Completion)
    assert backend.calls == runs == 3


@pytest.mark.parametrize("error", [CircuitBreakerOpen("breaker 'anthropic' is open"), InvalidInputError("empty")])
def test_call_llm_never_retries_an_open_circuit_or_bad_input(error):
    backend = ScriptedBackend(error)
    outcome, runs = _run(_fast(call_llm), backend, "hello", max_tokens=10, temperature=0)
    assert isinstance(outcome, type(error))
    assert backend.calls == runs == 1


def test_configured_call_llm_takes_retries_from_config():
    config = LLMConfig.model_validate({"anthropic": {"task_retries": 4, "task_retry_backoff_s": 0.5}})
    task = configured_call_llm(config)
    assert task.retries == 4 and task.retry_delay_seconds == [0.5, 1.0, 2.0, 4.0]
    assert task.retry_condition_fn is retry_only_recoverable


def test_write_dataset_retries_a_publishing_failure_then_fails_with_its_message(tmp_path):
    blocked = tmp_path / "results"
    blocked.write_text("a file where the results folder should be")
    error, runs = _run(_fast(write_dataset_task), "trajectory_chains", [], str(blocked), "run-1")
    assert isinstance(error, ResourceError) and "writable folder" in error.message
    assert runs == 3  # recoverable: the first try and the decorator's 2 retries


def test_write_dataset_never_retries_rows_that_break_the_contract(tmp_path):
    rows = [{"scenario_id": "s", "status": "no-such-status", "backend": "simulated", "flow_run_id": "r",
             "run_at": None}]
    error, runs = _run(_fast(write_dataset_task), "fusion_runs", rows, str(tmp_path), "run-1")
    assert isinstance(error, InvalidInputError) and runs == 1
    assert not any(Path(tmp_path).rglob("*.parquet"))


def test_a_busy_api_is_told_apart_from_a_missing_limit():
    import httpx
    from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError

    from tasks.llm import _api_was_unavailable

    def failed(status: int) -> ConcurrencySlotAcquisitionError:
        request = httpx.Request("POST", "http://127.0.0.1/api/v2/concurrency_limits/increment-with-lease")
        try:
            raise ConcurrencySlotAcquisitionError("busy") from httpx.HTTPStatusError(
                "x", request=request, response=httpx.Response(status, request=request))
        except ConcurrencySlotAcquisitionError as exc:
            return exc

    assert _api_was_unavailable(failed(503)) and _api_was_unavailable(failed(500))
    assert not _api_was_unavailable(failed(404))
    assert not _api_was_unavailable(ConcurrencySlotAcquisitionError("limits must be created first"))


def _service_record(outcome: BaseException) -> logging.LogRecord:
    future: Future = Future()
    future.set_exception(outcome)
    item = (1, "concurrency", 5.0, None, 60.0, True, None, future)
    return logging.LogRecord("prefect._internal.concurrency", logging.ERROR, __file__, 1,
                             "Service %r failed to process item %r",
                             ("ConcurrencySlotAcquisitionWithLeaseService", item), None)


def test_a_slot_wait_step_that_times_out_is_not_logged_as_an_error_but_other_failures_are():
    slot_filter = ExpectedSlotTimeoutFilter()
    assert slot_filter.filter(_service_record(TimeoutError())) is False
    assert slot_filter.filter(_service_record(RuntimeError("API down"))) is True
