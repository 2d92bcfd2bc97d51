"""The one Prefect retry condition: retry what may succeed next time, nothing else."""

from __future__ import annotations

from cert_core.errors import CertError, CircuitBreakerOpen, InvalidInputError


def retry_only_recoverable(task, task_run, state) -> bool:
    """Retry a recoverable CertError (I/O, ledger, what the LLM retry loop could not fix).

    Never an open breaker or bad input, and never a non-CertError: that is a bug, and a retry
    would only repeat it. cert_core maps third-party failures to CertErrors at its boundaries.
    """
    error = state.result(raise_on_failure=False)
    if isinstance(error, (CircuitBreakerOpen, InvalidInputError)):
        return False
    return isinstance(error, CertError) and bool(error.recoverable)
