"""Scenario routing to micro-overlays."""

from .decision import RoutingDecision
from .overlay import MicroOverlay, load_overlay, parse_overlay
from .performance import PerformanceTracker
from .router import RuntimeRouter
from .scenario import Scenario
from .validation import ScenarioReject, ValidatedScenarios, validate_scenarios

__all__ = [
    "MicroOverlay",
    "PerformanceTracker",
    "RoutingDecision",
    "RuntimeRouter",
    "Scenario",
    "ScenarioReject",
    "ValidatedScenarios",
    "load_overlay",
    "parse_overlay",
    "validate_scenarios",
]
