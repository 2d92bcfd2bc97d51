"""A one-shot majority vote of agents over their final answers, on the QuorumVotingEngine.

Each agent is a voting module of weight 1; it votes for its canonical answer (the final number, else
the normalised final text). An agent with no answer abstains, but still counts in the total weight, so
a quorum needs more than ``threshold`` of all agents. Without a quorum the engine arbitrates
(weighted plurality, ties broken deterministically); a debate may ask its aggregator instead.
(``quorum.vote`` has no abstention: it counts only the voters it is given, so an agent without an
answer would lower the bar for the others.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..governance.quorum import Proposal, QuorumConfig, QuorumModule, QuorumVotingEngine
from .answers import canonical_answer

__all__ = ["VoteOutcome", "majority_vote"]

_TIMEOUT_S = 1.0  # the vote is cast at once; the engine's clock is moved past this to close it


@dataclass(frozen=True)
class VoteOutcome:
    winner: str | None  # the canonical answer chosen; None when every agent abstained
    quorum: bool  # the winner had more than the threshold of all agents
    support: float
    members: tuple[int, ...]  # indices of the answers that voted for the winner (all when nobody voted)
    arbitration: str | None  # how it was settled without a quorum (None with a quorum)


def majority_vote(answers: Sequence[str], threshold: float, proposal_id: str = "vote") -> VoteOutcome:
    canonical = [canonical_answer(a) for a in answers]
    options = tuple(dict.fromkeys(c for c in canonical if c))
    if not options:
        return VoteOutcome(None, False, 0.0, tuple(range(len(answers))), "no_answers")
    now = [0.0]
    modules = {f"agent_{i}": QuorumModule(weight=1.0) for i in range(len(answers))}
    engine = QuorumVotingEngine(QuorumConfig(modules=modules, consensus_threshold=threshold, timeout_seconds=_TIMEOUT_S),
                                clock=lambda: now[0])
    engine.submit_proposal(Proposal(proposal_id, "answer_vote", options))
    for i, choice in enumerate(canonical):
        if choice and engine.get_voting_results(proposal_id).status == "open":
            engine.cast_vote(proposal_id, f"agent_{i}", choice)
    now[0] = 2 * _TIMEOUT_S  # everyone who answered has voted: an abstention must not keep it open
    result = engine.get_voting_results(proposal_id)
    if result.consensus_reached:
        winner, arbitration = result.selected_option, None
    else:
        decision = engine.handle_arbitration(proposal_id)
        winner, arbitration = decision.decision, decision.arbitrator
    members = tuple(i for i, c in enumerate(canonical) if c == winner)
    return VoteOutcome(winner, arbitration is None, result.support.get(winner, 0.0), members, arbitration)
