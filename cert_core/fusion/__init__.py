"""The fusion pipeline: one scenario from routing to a budget-checked, breaker-guarded LLM call."""

from .factory import FusionRuntime, build_runtime, fusion_settings
from .guarded_backend import GuardedBackend
from .outcome import FusionOutcome
from .pipeline import FusionPipeline, FusionSettings, base_prompt, estimate_tokens, token_delta_pct

__all__ = [
    "FusionOutcome",
    "FusionPipeline",
    "FusionRuntime",
    "FusionSettings",
    "GuardedBackend",
    "base_prompt",
    "build_runtime",
    "fusion_settings",
    "estimate_tokens",
    "token_delta_pct",
]
