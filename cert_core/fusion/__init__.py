"""The fusion pipeline: one scenario from routing to a budget-checked, breaker-guarded LLM call."""

from .factory import FusionRuntime, build_runtime
from .outcome import FusionOutcome
from .performance import overlay_comparison
from .pipeline import FusionPipeline, base_prompt, token_delta_pct
from .summary import FusionSummary, summarise_fusion

__all__ = [
    "FusionOutcome",
    "FusionPipeline",
    "FusionRuntime",
    "FusionSummary",
    "base_prompt",
    "build_runtime",
    "overlay_comparison",
    "summarise_fusion",
    "token_delta_pct",
]
