"""The strategy base class and registry: every strategy turns one task into a final answer.

A strategy gets a ``StrategyContext`` (the task, the agent count, rounds, the coordination config,
the caller that makes governed calls, and the baseline for strategies that reuse it) and returns a
``StrategyOutput``: the final answer and the agents' answers that consensus is measured on.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from ...config.coordination import CoordinationConfig
from ...errors import InvalidInputError
from ..agents import AgentCaller
from ..types import AgentResponse, BaselineMeasurement, CoordinationTask

__all__ = ["STRATEGIES", "Strategy", "StrategyContext", "StrategyOutput", "get_strategy", "register"]


@dataclass(frozen=True)
class StrategyContext:
    task: CoordinationTask
    num_agents: int
    rounds: int
    config: CoordinationConfig
    caller: AgentCaller | None = None  # None for strategies that make no calls
    baseline: BaselineMeasurement | None = None


@dataclass(frozen=True)
class StrategyOutput:
    final_answer: str
    agent_responses: tuple[AgentResponse, ...]  # the answers consensus is measured on
    arbitration: str | None = None
    quality: float | None = None  # set by strategies whose answer is already judged (vote)
    judge_error: str | None = None


class Strategy(ABC):
    name: ClassVar[str]
    makes_calls: ClassVar[bool] = True
    uses_rounds: ClassVar[bool] = False

    @abstractmethod
    def run(self, ctx: StrategyContext) -> StrategyOutput: ...

    @staticmethod
    def caller(ctx: StrategyContext) -> AgentCaller:
        if ctx.caller is None:
            raise InvalidInputError("this strategy makes agent calls and needs a caller")
        return ctx.caller


STRATEGIES: dict[str, type[Strategy]] = {}


def register(cls: type[Strategy]) -> type[Strategy]:
    STRATEGIES[cls.name] = cls
    return cls


def get_strategy(name: str) -> Strategy:
    """The strategy called ``name``; an unknown name is an InvalidInputError that lists the known ones."""
    try:
        return STRATEGIES[name]()
    except (KeyError, TypeError):
        known = ", ".join(sorted(STRATEGIES))
        raise InvalidInputError(f"unknown strategy {name!r}; known strategies: {known}",
                                context={"strategy": name, "known": sorted(STRATEGIES)}) from None
