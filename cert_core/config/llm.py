"""llm.yaml: backend choice, Anthropic client settings, rate limits and the pricing table."""

from __future__ import annotations

from pydantic import Field

from ..llm.registry import AUTO, BackendRequest
from ._base import Section


class AnthropicSettings(Section):
    model: str = "claude-sonnet-4-6"  # claude-sonnet-4-5 is deprecated (end of life 2026-11-30)
    base_url: str | None = None
    timeout_s: float = Field(30.0, gt=0)
    max_attempts: int = Field(4, ge=1, le=20)
    backoff_base_s: float = Field(0.5, ge=0)
    backoff_max_s: float = Field(20.0, ge=0)
    max_retry_after_s: float = Field(60.0, ge=0)  # a server's retry-after is honoured up to this
    task_retries: int = Field(2, ge=0, le=10)  # Prefect task retries, for what the inner loop gave up on
    task_retry_backoff_s: float = Field(2.0, ge=0)


class LocalSettings(Section):
    # a local path or a model id in the offline HF cache; None keeps `auto` off the local backend
    model: str | None = None
    max_new_tokens: int = Field(64, ge=1)
    seed: int = 0  # used when temperature > 0


class SimulatedSettings(Section):
    seed: int = 7
    latency_ms: float = Field(40.0, ge=0)  # mean simulated latency; 0 makes it instant (tests)


class RateLimits(Section):
    requests_per_minute: float = Field(50, gt=0)
    max_in_flight: int = Field(8, ge=1)
    # share of requests_per_minute actually used, leaving room for jitter between our clock and the server's
    headroom: float = Field(0.95, gt=0, le=1)
    rpm_limit_name: str = "anthropic-rpm"
    in_flight_limit_name: str = "anthropic-in-flight"
    # an in-flight slot is leased for the call timeout plus this margin (Prefect's minimum lease is 60 s),
    # so the slots of a process that died come back by themselves
    slot_lease_margin_s: float = Field(30.0, ge=0)
    slot_wait_notice_s: float = Field(5.0, gt=0)  # a call waiting longer for a slot says so, naming the limit


class ModelPrice(Section):
    """USD per million tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_read: float = Field(0.0, ge=0)


def _default_pricing() -> dict[str, ModelPrice]:
    return {
        "claude-sonnet-4-6": ModelPrice(input=3.0, output=15.0, cache_read=0.3),
        "claude-sonnet-4-5": ModelPrice(input=3.0, output=15.0, cache_read=0.3),
        "simulated": ModelPrice(input=3.0, output=15.0, cache_read=0.3),
        "local": ModelPrice(input=0.0, output=0.0, cache_read=0.0),
    }


class FusionCall(Section):
    """How the fusion pipeline calls the LLM; flows may override max_tokens and priority per run."""

    max_tokens: int = Field(512, ge=1)
    temperature: float = Field(0.2, ge=0, le=2)
    expected_output_tokens: int = Field(300, ge=1)  # the baseline the tripwire's token delta is measured against
    priority: str = "medium"
    breaker: str = "fusion_primary"
    system_prompt: str = "You are an operations engineer. Answer with a concrete, step-by-step plan."


class LLMConfig(Section):
    backend: BackendRequest = AUTO
    max_prompt_chars: int = Field(200_000, ge=1)  # prompt + system above this is rejected before any call
    anthropic: AnthropicSettings = Field(default_factory=AnthropicSettings)
    local: LocalSettings = Field(default_factory=LocalSettings)
    simulated: SimulatedSettings = Field(default_factory=SimulatedSettings)
    rate_limits: RateLimits = Field(default_factory=RateLimits)
    pricing: dict[str, ModelPrice] = Field(default_factory=_default_pricing)
    fusion: FusionCall = Field(default_factory=FusionCall)
