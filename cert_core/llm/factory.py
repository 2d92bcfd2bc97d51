"""Pick and build a backend from config and settings; `auto` says what it chose and why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config.llm import LLMConfig
from ..config.settings import PROJECT_ROOT, CertSettings
from ..errors import ConfigError, CertError, InvalidInputError, NeedsKeyError
from ..observability import get_logger
from .limiter import RequestLimiter, TokenBucketLimiter
from .protocol import LLMBackend
from .retry import RetryPolicy

__all__ = ["BACKEND_NAMES", "BackendChoice", "make_backend", "select_backend"]

BACKEND_NAMES = ("auto", "anthropic", "local", "simulated")
log = get_logger("cert.llm.factory")


@dataclass(frozen=True)
class BackendChoice:
    backend: LLMBackend
    name: str  # the backend actually built: anthropic | local | simulated
    requested: str  # what was asked for (auto included)
    reason: str


def default_limiter(config: LLMConfig) -> TokenBucketLimiter:
    limits = config.rate_limits
    return TokenBucketLimiter(limits.requests_per_minute, limits.max_in_flight, headroom=limits.headroom)


def _anthropic(config: LLMConfig, settings: CertSettings, limiter, http_client):
    from .anthropic_backend import AnthropicBackend

    if settings.anthropic_api_key is None or not settings.anthropic_api_key.get_secret_value().strip():
        raise NeedsKeyError("the anthropic backend needs an API key: set ANTHROPIC_API_KEY "
                            "(or choose --backend simulated)")
    return AnthropicBackend(
        model=config.anthropic.model,
        api_key=settings.anthropic_api_key,
        limiter=limiter or default_limiter(config),
        pricing=config.pricing,
        policy=RetryPolicy.from_settings(config.anthropic),
        base_url=settings.anthropic_base_url or config.anthropic.base_url,
        timeout_s=config.anthropic.timeout_s,
        max_prompt_chars=config.max_prompt_chars,
        http_client=http_client,
    )


def resolve_local_model(model: str) -> str:
    """A relative path is tried against the working directory, then the project root."""
    path = Path(model)
    if not path.is_absolute() and not path.exists() and (PROJECT_ROOT / path).exists():
        return str(PROJECT_ROOT / path)
    return model


def _local(config: LLMConfig):
    from .local_backend import LocalBackend

    if not config.local.model:
        raise ConfigError("the local backend needs a model: set llm.local.model in configs/fusion/llm.yaml "
                          "to a local path or model id (e.g. data/models/tiny-reasoner)")
    return LocalBackend(resolve_local_model(config.local.model), max_new_tokens=config.local.max_new_tokens,
                        seed=config.local.seed, pricing=config.pricing, max_prompt_chars=config.max_prompt_chars)


def _simulated(config: LLMConfig):
    from .simulated_backend import SimulatedBackend

    return SimulatedBackend(seed=config.simulated.seed, latency_ms=config.simulated.latency_ms,
                            pricing=config.pricing, max_prompt_chars=config.max_prompt_chars)


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
    if requested not in BACKEND_NAMES:
        raise InvalidInputError(f"unknown backend {requested!r}; choose one of {', '.join(BACKEND_NAMES)}")
    if requested == "anthropic":
        choice = BackendChoice(_anthropic(config, settings, limiter, http_client), "anthropic", requested,
                               "requested explicitly")
    elif requested == "local":
        choice = BackendChoice(_local(config), "local", requested, "requested explicitly")
    elif requested == "simulated":
        choice = BackendChoice(_simulated(config), "simulated", requested, "requested explicitly")
    else:
        choice = _auto(config, settings, limiter, http_client)
    log.info("llm backend chosen", extra={"backend": choice.name, "requested": requested, "reason": choice.reason,
                                          "model": choice.backend.model_id})
    return choice


def _auto(config: LLMConfig, settings: CertSettings, limiter, http_client) -> BackendChoice:
    key = settings.anthropic_api_key
    if key is not None and key.get_secret_value().strip():
        return BackendChoice(_anthropic(config, settings, limiter, http_client), "anthropic", "auto",
                             "ANTHROPIC_API_KEY is set")
    model = config.local.model
    local_path = Path(resolve_local_model(model)) if model else None
    if local_path is not None and local_path.exists():
        try:
            return BackendChoice(_local(config), "local", "auto",
                                 f"no ANTHROPIC_API_KEY; local model found at {local_path}")
        except CertError as exc:
            reason = f"no ANTHROPIC_API_KEY; local model at {local_path} did not load ({exc.error_type})"
    else:
        reason = (f"no ANTHROPIC_API_KEY and no local model at {model!r}" if model
                  else "no ANTHROPIC_API_KEY and no local model configured (llm.local.model)")
    return BackendChoice(_simulated(config), "simulated", "auto", f"{reason}; using the SIMULATED backend")


def make_backend(
    name: str | None,
    config: LLMConfig,
    settings: CertSettings,
    *,
    limiter: RequestLimiter | None = None,
    http_client=None,
) -> LLMBackend:
    """Like select_backend, for callers that only need the backend (the choice is logged)."""
    return select_backend(name, config, settings, limiter=limiter, http_client=http_client).backend
