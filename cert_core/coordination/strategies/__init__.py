"""Coordination strategies, one module each, behind `Strategy` and the `STRATEGIES` registry."""

from . import debate, parallel, sequential, vote  # noqa: F401  (each module registers its strategy)
from .base import STRATEGIES, Strategy, StrategyContext, StrategyOutput, get_strategy

__all__ = ["STRATEGIES", "Strategy", "StrategyContext", "StrategyOutput", "get_strategy"]
