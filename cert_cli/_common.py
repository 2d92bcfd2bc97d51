"""Shared CLI plumbing: one exit-code contract, one way to run a flow from a command.

Exit codes, the same for every command:
    0  the command completed (a run that wrote error rows completed too)
    1  the run failed (a CertError that says what to fix), or `cert health` found the system unhealthy
    2  bad usage (click's own usage errors) or bad configuration (ConfigError)
  130  interrupted
Errors are one `error:` line on stderr, never a traceback.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import Any, TypeVar

import click

from cert_core.config import ENVIRONMENTS
from cert_core.errors import CertError, ConfigError, ResourceError
from cert_core.secrets import install_scrub_filter
from cert_core.stop import clear_stop, stop_requested

F = TypeVar("F", bound=Callable)

EXIT_OK = 0
EXIT_RUN_FAILED = 1
EXIT_BAD_USAGE = 2  # click exits 2 on usage errors; ConfigError joins it
EXIT_INTERRUPTED = 130


def exit_code_for(error: CertError) -> int:
    return EXIT_BAD_USAGE if isinstance(error, ConfigError) else EXIT_RUN_FAILED


def fail(message: str, code: int = EXIT_RUN_FAILED) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


def cli_errors(func: F) -> F:
    """Every command: a CertError becomes one `error:` line and its exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        clear_stop()
        try:
            result = func(*args, **kwargs)
        except CertError as exc:
            fail(f"{exc.error_type}: {exc.message}", exit_code_for(exc))
        except KeyboardInterrupt:
            fail("interrupted", EXIT_INTERRUPTED)
        if stop_requested():
            fail("interrupted: stopped on request; the rows done were written, the rest are StopRequested "
                 "error rows", EXIT_INTERRUPTED)
        return result

    return wrapper  # type: ignore[return-value]


@contextmanager
def prefect_for_cli() -> Iterator[None]:
    """Prefect for a person at a terminal: quieted before it is imported, its ephemeral API (when
    PREFECT_API_URL is unset) started first so a failure to start is one clear error, flow
    progress lines shown, and the server's shutdown noise silenced when the block ends."""
    prepare_prefect_for_cli()
    try:
        from prefect.logging.configuration import ensure_logging_setup

        ensure_logging_setup()  # Prefect's own config first (it would replace our filter later), then ours
        show_flow_progress()
        start_prefect_api()
        with ad_hoc_run_settings():
            yield
    finally:
        silence_shutdown_noise()


@contextmanager
def ad_hoc_run_settings() -> Iterator[None]:
    """Prefect settings for a flow run in this process: no flow-run heartbeats, unless
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY is set (environment, profile or prefect.toml).

    Heartbeats let an automation mark a run Crashed when its infrastructure dies unseen; an ad hoc
    run's process is the person's terminal, which sees it die. They are not free: Prefect 3.8's sync
    engine joins the heartbeat thread at flow exit, and the thread sleeps in 1 s steps, so every run
    ends on the next whole second after it started (0-1 s each). Deployment runs keep Prefect's default
    (one per 180 s). Off needs the settings context: the environment cannot say None.
    """
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, get_current_settings, temporary_settings

    if "heartbeat_frequency" in get_current_settings().flows.model_fields_set:
        yield
        return
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def run_flow(flow_ref: str, /, **parameters: Any) -> Any:
    """Run the flow ``"module:name"`` ad hoc from a command and return its result.

    A failed run raises its CertError, which `cli_errors` maps to an exit code.
    """
    with prefect_for_cli():
        module, name = flow_ref.split(":")
        return getattr(import_module(module), name)(**parameters)


def start_prefect_api() -> None:
    """Start Prefect's ephemeral API (SQLite) now when no PREFECT_API_URL is set; the flow reuses it."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return
    try:
        owned_ephemeral_server().start()  # one per process; the flow's client finds it running
    except Exception as exc:  # any failure to come up: uvicorn, the database, the startup timeout
        raise ResourceError(
            f"Prefect's ephemeral API server did not start ({type(exc).__name__}: {str(exc)[:200]}); set "
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS higher, or start a server (`prefect server start`) "
            "and set PREFECT_API_URL=http://127.0.0.1:4200/api"
        ) from exc


def _die_with_parent() -> None:
    """In the server's child process before exec: the kernel kills it when the `cert` process dies,
    even by kill -9, so no orphaned API server keeps listening or holding the database."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def owned_ephemeral_server():
    """Prefect's ephemeral API server, owned by this process: it dies with us (Linux PR_SET_PDEATHSIG).

    Prefect keeps one `SubprocessASGIServer` per port in a class-level registry; registering ours
    first under the default key makes every Prefect client of this process use it.
    """
    import subprocess
    from prefect.server.api.server import SubprocessASGIServer

    class OwnedASGIServer(SubprocessASGIServer):
        def _run_uvicorn_command(self) -> subprocess.Popen:
            if not sys.platform.startswith("linux"):
                return super()._run_uvicorn_command()
            real_popen = subprocess.Popen
            subprocess.Popen = functools.partial(real_popen, preexec_fn=_die_with_parent)  # type: ignore[misc]
            try:
                return super()._run_uvicorn_command()
            finally:
                subprocess.Popen = real_popen  # type: ignore[misc]

    existing = SubprocessASGIServer._instances.get(None)
    if existing is not None:  # already made (started or not) in this process
        return existing
    return OwnedASGIServer()


def prepare_prefect_for_cli() -> None:
    """Quiet Prefect's own chatter for people at a terminal; real errors still reach stderr.

    The ephemeral API server (SQLite) starts on first use when PREFECT_API_URL is unset.
    At interpreter exit it may log shutdown noise, so its loggers are raised to CRITICAL
    once our command has finished (see `silence_shutdown_noise`).
    """
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("CERT_LOG_FORMAT", "human")  # a person is reading; workers keep JSON
    # the first start in a new PREFECT_HOME takes ~17 s on 2 cores, longer when busy
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_BATCH_INTERVAL", "0.5")
    # Leases of concurrency slots on disk under PREFECT_HOME, so the next ephemeral API (a new process on
    # the same database) still knows the leases of a run that died and can release them.
    os.environ.setdefault("PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE", "prefect.server.concurrency.lease_storage.filesystem")
    if not os.environ.get("PREFECT_API_URL"):
        # The ephemeral API runs in a subprocess that shares our stderr; at exit it logs event-flush
        # errors and CancelledError tracebacks. Failures that matter reach us through the client.
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")


class _CertErrorsWithoutTraceback(logging.Filter):
    """A CertError's message already says what to fix; its traceback is noise at a terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], CertError):
            record.exc_info, record.exc_text = None, None
        return True


def show_flow_progress() -> None:
    """Let the flow's progress lines through to the terminal, without tracebacks for CertErrors.

    Call after Prefect has configured its logging (`ensure_logging_setup`). Logs sent to the
    Prefect API keep their tracebacks for the UI.
    """
    logging.getLogger("prefect.flow_runs").setLevel(logging.INFO)
    for handler in logging.getLogger().handlers:
        if type(handler).__name__ == "PrefectConsoleHandler":
            handler.addFilter(_CertErrorsWithoutTraceback())
    install_scrub_filter(logging.getLogger())  # no fragment of an API key reaches the terminal


_NOISY_AT_EXIT = ("prefect", "uvicorn", "sqlalchemy", "asyncio", "httpx", "httpcore", "aiosqlite")


def silence_shutdown_noise() -> None:
    """After our command finished: the ephemeral server's shutdown errors are noise, not news.

    Child loggers such as prefect.server.services.* have levels of their own, so every existing
    one is raised, not only the parents.
    """
    names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] in _NOISY_AT_EXIT]
    for name in {*names, *_NOISY_AT_EXIT}:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    logging.raiseExceptions = False


def with_env_option(func: F) -> F:
    return click.option(
        "--env", "env", type=click.Choice(ENVIRONMENTS), default=None,
        help="Config environment (default: $CERT_ENV or production).",
    )(func)


def with_results_dir_option(func: F) -> F:
    return click.option(
        "--results-dir", default=None, type=click.Path(file_okay=False),
        help="Parquet output root (default: $CERT_RESULTS_DIR or data/results).",
    )(func)


def with_config_dir_option(func: F) -> F:
    return click.option(
        "--config-dir", default=None, type=click.Path(file_okay=False),
        help="Config folder (default: $CERT_CONFIG_DIR or configs/fusion).",
    )(func)
