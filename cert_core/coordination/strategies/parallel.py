"""Parallel: the agents answer at once, then one aggregator call combines their answers."""

from __future__ import annotations

from ..prompts import agent_call, aggregator_call
from .base import Strategy, StrategyContext, StrategyOutput, register

__all__ = ["Parallel"]


@register
class Parallel(Strategy):
    name = "parallel"

    def run(self, ctx: StrategyContext) -> StrategyOutput:
        caller = self.caller(ctx)
        specs = [agent_call(ctx.config, ctx.task, i, ctx.num_agents, phase="coordinated", round=0,
                            tag=f"{self.name}:a{i}", strategy=self.name) for i in range(ctx.num_agents)]
        answers = caller.ask_all(specs)
        final = caller.ask(aggregator_call(ctx.config, ctx.task, [a.response for a in answers], round=1,
                                           tag=f"{self.name}:agg", strategy=self.name))
        return StrategyOutput(final.response, tuple(answers), arbitration="aggregator")
