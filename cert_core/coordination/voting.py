"""A one-shot majority vote of agents over their final answers, on the QuorumVotingEngine.

Each agent is a voting module of weight 1; it votes for its canonical answer (the final number, else
the normalised final text). An agent with no answer abstains, but still counts in the total weight, so
a quorum needs more than ``threshold`` of all agents. Without a quorum the engine arbitrates
(weighted plurality, ties broken deterministically); a debate may ask its aggregator instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..governance.quorum import Proposal, QuorumConfig, QuorumModule, QuorumVotingEngine
from .answers import canonical_answer

__all__ = ["VoteOutcome", "majority_vote"]

_NEVER = 1e12  # a vote is cast at once: the engine's timeout never applies


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
    modules = {f"agent_{i}": QuorumModule(weight=1.0) for i in range(len(answers))}
    engine = QuorumVotingEngine(QuorumConfig(modules=modules, consensus_threshold=threshold, timeout_seconds=_NEVER))
    engine.submit_proposal(Proposal(proposal_id, "answer_vote", options))
    result = engine.get_voting_results(proposal_id)
    for i, choice in enumerate(canonical):
        if choice and result.status == "open":
            result = engine.cast_vote(proposal_id, f"agent_{i}", choice)
    if result.status == "open":  # abstentions left it open: close it as a vote without quorum
        winner, arbitration = _plurality(result.support), "weighted_plurality"
    elif result.consensus_reached:
        winner, arbitration = result.selected_option, None
    else:
        decision = engine.handle_arbitration(proposal_id)
        winner, arbitration = decision.decision, decision.arbitrator
    members = tuple(i for i, c in enumerate(canonical) if c == winner)
    return VoteOutcome(winner, arbitration is None, result.support.get(winner, 0.0), members, arbitration)


def _plurality(support: dict[str, float]) -> str:
    return min(support, key=lambda o: (-support[o], o))
