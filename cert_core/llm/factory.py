"""Pick and build a backend from config and settings; `auto` says what it chose and why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..config.llm import LLMConfig
from ..config.settings import CertSettings
from ..errors import CertError, InvalidInputError, NeedsKeyError
from ..observability import get_logger
from ..paths import project_path
from .limiter import RequestLimiter, TokenBucketLimiter
from .protocol import LLMBackend
from .registry import AUTO, BACKEND_CHOICES, BackendName

__all__ = ["BUILDERS", "BackendChoice", "select_backend"]

log = get_logger("cert.llm.factory")


@dataclass(frozen=True)
class BackendChoice:
    backend: LLMBackend
    name: BackendName  # the backend actually built
    requested: str  # what was asked for (auto included)
    reason: str


def default_limiter(config: LLMConfig) -> TokenBucketLimiter:
    limits = config.rate_limits
    return TokenBucketLimiter(limits.requests_per_minute, limits.max_in_flight, headroom=limits.headroom)


def _anthropic(config: LLMConfig, settings: CertSettings, limiter: RequestLimiter | None, http_client) -> LLMBackend:
    from .anthropic_backend import AnthropicBackend

    if settings.anthropic_api_key is None or not settings.anthropic_api_key.get_secret_value().strip():
        raise NeedsKeyError("the anthropic backend needs an API key: set ANTHROPIC_API_KEY "
                            "(or choose --backend simulated)")
    return AnthropicBackend(config, api_key=settings.anthropic_api_key, limiter=limiter or default_limiter(config),
                            base_url=settings.anthropic_base_url, http_client=http_client)


def _local(config: LLMConfig, settings: CertSettings, limiter: RequestLimiter | None, http_client) -> LLMBackend:
    from .local_backend import LocalBackend

    return LocalBackend(config)


def _simulated(config: LLMConfig, settings: CertSettings, limiter: RequestLimiter | None, http_client) -> LLMBackend:
    from .simulated_backend import SimulatedBackend

    return SimulatedBackend(config)


Builder = Callable[[LLMConfig, CertSettings, "RequestLimiter | None", object], LLMBackend]
BUILDERS: dict[BackendName, Builder] = {
    BackendName.ANTHROPIC: _anthropic,
    BackendName.LOCAL: _local,
    BackendName.SIMULATED: _simulated,
}


def select_backend(
    name: str | None,
    config: LLMConfig,
    settings: CertSettings,
    *,
    limiter: RequestLimiter | None = None,
    http_client=None,
) -> BackendChoice:
    """Build the backend ``name`` (None means config.backend) and say why it was chosen."""
    requested = name or config.backend
    if requested not in BACKEND_CHOICES:
        raise InvalidInputError(f"unknown backend {requested!r}; choose one of {', '.join(BACKEND_CHOICES)}")
    if requested == AUTO:
        choice = _auto(config, settings, limiter, http_client)
    else:
        chosen = BackendName(requested)
        choice = BackendChoice(BUILDERS[chosen](config, settings, limiter, http_client), chosen, requested,
                               "requested explicitly")
    log.info("llm backend chosen", extra={"backend": choice.name.value, "requested": requested,
                                          "reason": choice.reason, "model": choice.backend.model_id})
    return choice


def _auto(config: LLMConfig, settings: CertSettings, limiter, http_client) -> BackendChoice:
    key = settings.anthropic_api_key
    if key is not None and key.get_secret_value().strip():
        return BackendChoice(_anthropic(config, settings, limiter, http_client), BackendName.ANTHROPIC, AUTO,
                             "ANTHROPIC_API_KEY is set")
    model = config.local.model
    local_path = project_path(model) if model else None
    if local_path is not None and local_path.exists():
        try:
            return BackendChoice(_local(config, settings, limiter, http_client), BackendName.LOCAL, AUTO,
                                 f"no ANTHROPIC_API_KEY; local model found at {local_path}")
        except CertError as exc:
            reason = f"no ANTHROPIC_API_KEY; local model at {local_path} did not load ({exc.error_type})"
    else:
        reason = (f"no ANTHROPIC_API_KEY and no local model at {model!r}" if model
                  else "no ANTHROPIC_API_KEY and no local model configured (llm.local.model)")
    return BackendChoice(_simulated(config, settings, limiter, http_client), BackendName.SIMULATED, AUTO,
                         f"{reason}; using the SIMULATED backend")

