"""Debate (Du et al. 2023): N agents, R rounds. Round 1 answers alone; in each later round every agent
sees the others' latest answers and its own. The final answer is the majority vote over the last
answers (QuorumVotingEngine); without a quorum the aggregator arbitrates between them.
"""

from __future__ import annotations

from ..prompts import agent_call, aggregator_call, answers_block, quoted
from ..voting import majority_vote
from .base import Strategy, StrategyContext, StrategyOutput, register

__all__ = ["Debate"]


@register
class Debate(Strategy):
    name = "debate"
    uses_rounds = True

    def run(self, ctx: StrategyContext) -> StrategyOutput:
        caller = self.caller(ctx)
        n = ctx.num_agents
        latest: list[str] = []
        responses = []
        for rnd in range(ctx.rounds):
            specs = []
            for i in range(n):
                tag = f"{self.name}:r{rnd}:a{i}"
                if rnd == 0:
                    specs.append(agent_call(ctx.config, ctx.task, i, n, phase="coordinated", round=rnd, tag=tag,
                                            strategy=self.name))
                    continue
                others = [latest[j] for j in range(n) if j != i]
                labels = [f"Agent {j + 1}" for j in range(n) if j != i]
                specs.append(agent_call(
                    ctx.config, ctx.task, i, n, phase="coordinated", round=rnd, tag=tag, strategy=self.name,
                    template=ctx.config.debate_template, others=answers_block(ctx.config, others, labels) or "(none)",
                    own=quoted(ctx.config, latest[i]),
                ))
            responses = caller.ask_all(specs)
            latest = [r.response for r in responses]
        vote = majority_vote(latest, ctx.config.vote.consensus_threshold, f"{ctx.task.id}:debate")
        if vote.quorum:
            return StrategyOutput(latest[vote.members[0]], tuple(responses))
        final = caller.ask(aggregator_call(ctx.config, ctx.task, latest, round=ctx.rounds,
                                           tag=f"{self.name}:arbiter", strategy=self.name))
        return StrategyOutput(final.response, tuple(responses), arbitration="aggregator")
