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


@dataclass(frozen=True)
class RoutingStats:
    overlays_available: int
    overlay_names: list[str]
    routing_rules: dict[str, list[str]]
    decisions_made: int
    decisions_by_overlay: dict[str, int]
