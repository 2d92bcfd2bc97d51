"""Sequential: a chain of agents, each seeing the previous agent's output; the last output is final."""

from __future__ import annotations

from ..prompts import agent_call, quoted
from .base import Strategy, StrategyContext, StrategyOutput, register

__all__ = ["Sequential"]


@register
class Sequential(Strategy):
    name = "sequential"

    def run(self, ctx: StrategyContext) -> StrategyOutput:
        caller = self.caller(ctx)
        responses = []
        previous = None
        for i in range(ctx.num_agents):
            extra = {} if previous is None else {"template": ctx.config.sequential_template, "previous": previous}
            spec = agent_call(ctx.config, ctx.task, i, ctx.num_agents, phase="coordinated", round=i,
                              tag=f"{self.name}:a{i}", strategy=self.name, **extra)
            response = caller.ask(spec)
            responses.append(response)
            previous = quoted(ctx.config, response.response)
        return StrategyOutput(responses[-1].response, tuple(responses))
