"""Structured JSON logs with a correlation id (the flow run id inside flows)."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from ..secrets import ScrubFilter

_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("cert_correlation_id", default=None)
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "correlation_id"}


def get_correlation_id() -> str | None:
    return _correlation_id.get()


@contextmanager
def correlation_id(value: str) -> Iterator[None]:
    """Tag every log line emitted in this context (threads started inside copy it explicitly)."""
    token = _correlation_id.set(value)
    try:
        yield
    finally:
        _correlation_id.reset(token)


class CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "correlation_id", None) is None:
            record.correlation_id = _correlation_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ``extra=`` fields are included as top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", None),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


class _StderrHandler(logging.StreamHandler):
    """Writes to the current sys.stderr, which test runners and CLIs may swap after configuration."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def configure_logging(level: str = "INFO", fmt: str = "json", stream=None) -> logging.Logger:
    """Configure the ``cert`` logger tree once; calling again replaces its handler."""
    logger = logging.getLogger("cert")
    logger.setLevel(level.upper())
    for handler in list(logger.handlers):
        if getattr(handler, "_cert_handler", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler._cert_handler = True  # type: ignore[attr-defined]
    handler.addFilter(CorrelationFilter())
    handler.addFilter(ScrubFilter())  # no fragment of an API key in any log line
    handler.setFormatter(
        JsonFormatter() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logger.addHandler(handler)
    logger.propagate = False  # one line per record, not another copy through the root handlers
    return logger


def get_logger(name: str) -> logging.Logger:
    """Loggers live under ``cert.`` so one configuration covers them all."""
    inside = name == "cert" or name.startswith("cert.")  # "cert_core.x" is not under "cert"
    if name.startswith("cert_core."):  # a module's __name__: cert_core.drift.scan -> cert.drift.scan
        return logging.getLogger("cert." + name.removeprefix("cert_core."))
    return logging.getLogger(name if inside else f"cert.{name}")
