"""Vote, the control: a majority vote over the baseline's independent answers. It makes no calls.

Its quality is the judged quality of the baseline answers that voted for the winner (their mean),
so it costs nothing beyond the baseline. Without a quorum the engine's weighted plurality decides.
"""

from __future__ import annotations

from ...errors import InvalidInputError
from ..voting import majority_vote
from .base import Strategy, StrategyContext, StrategyOutput, register

__all__ = ["Vote"]


@register
class Vote(Strategy):
    name = "vote"
    makes_calls = False

    def run(self, ctx: StrategyContext) -> StrategyOutput:
        baseline = ctx.baseline
        if baseline is None:
            raise InvalidInputError("the vote control needs the task's baseline answers")
        answers = baseline.agent_responses
        vote = majority_vote([a.response for a in answers], ctx.config.vote.consensus_threshold, f"{ctx.task.id}:vote")
        group = [answers[i] for i in vote.members]
        scores = [a.quality for a in group if a.quality is not None]
        quality = sum(scores) / len(scores) if scores else None
        error = None if scores else next((a.judge_error for a in group if a.judge_error), "no judged answer voted")
        final = group[0].response if vote.winner is not None and group else ""
        return StrategyOutput(final, tuple(answers), vote.arbitration, quality, error)
