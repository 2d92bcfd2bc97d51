"""Shared CLI plumbing: turn CertErrors into one clear line and an exit code, never a traceback."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from typing import TypeVar

import click

from cert_core.errors import CertError

F = TypeVar("F", bound=Callable)

EXIT_RUN_FAILED = 1
EXIT_BAD_CONFIG = 2


def fail(message: str, code: int = EXIT_RUN_FAILED) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


def handle_cert_errors(func: F) -> F:
    """Print a CertError's message (which says what to fix) and exit non-zero."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except CertError as exc:
            fail(f"{exc.error_type}: {exc.message}")
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except RuntimeError as exc:
            if "ephemeral Prefect API server" not in str(exc):
                raise
            fail(
                f"{exc} Set PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS higher, or start a server "
                "(`prefect server start`) and set PREFECT_API_URL=http://127.0.0.1:4200/api."
            )

    return wrapper  # type: ignore[return-value]


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

    Call after importing prefect (its logging config is applied on import). Logs sent to the
    Prefect API keep their tracebacks for the UI.
    """
    logging.getLogger("prefect.flow_runs").setLevel(logging.INFO)
    for handler in logging.getLogger().handlers:
        if type(handler).__name__ == "PrefectConsoleHandler":
            handler.addFilter(_CertErrorsWithoutTraceback())


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
        "--env", "env", type=click.Choice(["development", "staging", "production"]), default=None,
        help="Config environment (default: $CERT_ENV or production).",
    )(func)
