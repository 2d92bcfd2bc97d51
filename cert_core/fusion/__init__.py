"""The fusion pipeline: one scenario from routing to a budget-checked, breaker-guarded LLM call."""

from .factory import FusionRuntime, build_runtime, fusion_settings
from .outcome import FusionOutcome
from .pipeline import FusionPipeline, FusionSettings, base_prompt, token_delta_pct

__all__ = [
    "FusionOutcome",
    "FusionPipeline",
    "FusionRuntime",
    "FusionSettings",
    "base_prompt",
    "build_runtime",
    "fusion_settings",
    "token_delta_pct",
]
