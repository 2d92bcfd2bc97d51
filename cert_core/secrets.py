"""One scrub for everything that leaves the process: the API key never appears, whole or in part.

Any run of 8 or more characters that is also a substring of a known secret is replaced by `***`.
Known secrets are the values of the key environment variables (read at each call, so a key set
later is covered) and any value passed to `register_secret`. Scrub the whole text first, and cut
it to length after: a cut can never leave a fragment that the scrub would have matched whole.

Applied at the boundaries: every CertError message and context (`cert_core.errors`), every log
record through cert's and Prefect's handlers (`ScrubFilter`), and every string cell of a Parquet
dataset (`cert_core.io.parquet.to_table`, which every dataset write goes through).
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from typing import Any

__all__ = ["MIN_FRAGMENT", "ScrubFilter", "has_secrets", "install_scrub_filter", "register_secret", "scrub",
           "scrub_value"]

MIN_FRAGMENT = 8
SECRET_ENV_VARS = ("ANTHROPIC_API_KEY",)
_REGISTERED: set[str] = set()
MASK = "***"


def register_secret(value: str | None) -> None:
    """Scrub this value too (e.g. a key that came from a config source, not the environment)."""
    if value and len(value) >= MIN_FRAGMENT:
        _REGISTERED.add(value)


def _secrets(extra: str | None) -> tuple[str, ...]:
    found = {v for v in (os.environ.get(name) for name in SECRET_ENV_VARS) if v and len(v) >= MIN_FRAGMENT}
    found |= _REGISTERED
    if extra and len(extra) >= MIN_FRAGMENT:
        found.add(extra)
    return tuple(sorted(found))


@lru_cache(maxsize=16)
def _grams(secret: str) -> frozenset[str]:
    return frozenset(secret[i:i + MIN_FRAGMENT] for i in range(len(secret) - MIN_FRAGMENT + 1))


def scrub(text: str, secret: str | None = None) -> str:
    """`text` with every fragment (>= 8 characters) of a known secret, or of `secret`, replaced by ***."""
    if not isinstance(text, str) or len(text) < MIN_FRAGMENT:
        return text
    secrets = _secrets(secret)
    if not secrets:
        return text
    grams = frozenset().union(*(_grams(s) for s in secrets))
    if not any(g in text for g in grams):  # the common case, at C speed: no fragment anywhere
        return text
    hidden = bytearray(len(text))
    hit = False
    for i in range(len(text) - MIN_FRAGMENT + 1):
        if text[i:i + MIN_FRAGMENT] in grams:
            hidden[i:i + MIN_FRAGMENT] = b"\x01" * MIN_FRAGMENT
            hit = True
    if not hit:
        return text
    out, i = [], 0
    while i < len(text):
        if hidden[i]:
            out.append(MASK)
            while i < len(text) and hidden[i]:
                i += 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def has_secrets() -> bool:
    """Whether any secret is known, so a caller can skip the scrub of a big batch when none is."""
    return bool(_secrets(None))


def scrub_value(value: Any) -> Any:
    """Strings scrubbed inside dicts, lists and tuples; anything else as it is."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: scrub_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub_value(v) for v in value)
    return value


class ScrubFilter(logging.Filter):
    """A handler filter: the formatted message (and a formatted traceback) of each record, scrubbed."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report
            return True
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if scrub(text) != text:
                record.exc_info, record.exc_text = None, scrub(text)
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


def install_scrub_filter(*loggers: logging.Logger) -> None:
    """Put one ScrubFilter on every handler of these loggers (the root logger when none), once."""
    for logger in loggers or (logging.getLogger(),):
        for handler in logger.handlers:
            if not any(isinstance(f, ScrubFilter) for f in handler.filters):
                handler.addFilter(ScrubFilter())
