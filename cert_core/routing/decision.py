"""The result of routing one scenario."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RoutingDecision:
    scenario_id: str
    category: str
    complexity: float
    complexity_level: str
    selected_overlay: str
    confidence: float
    reasoning: str
    fallback_options: list[str] = field(default_factory=list)
    routing_timestamp: str = ""
    scores: dict[str, float] = field(default_factory=dict)
