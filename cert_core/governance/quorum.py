"""QuorumVotingEngine: weighted votes of modules on a proposal, with a quorum and arbitration.

`vote()` is the one-shot form for voters whose choices are all known (agents' answers, for
example): every voter becomes a weighted module, all votes are cast, and a proposal without
consensus goes to arbitration. The proposal API below is for votes that arrive over time.

- Support for an option = sum(weight x confidence) of the modules that chose it / the total weight
  of all configured modules, so votes still to come can never take consensus away.
- Consensus: every required module has voted and the best option's support >= consensus_threshold.
- A proposal is decided at consensus; it ends without consensus once every module has voted or
  timeout_seconds have passed. Only then can it go to arbitration (when enabled), which picks the
  option with the most weighted support among the votes cast; ties go to the option backed by the
  heaviest single module, then to the alphabetically first: the outcome is deterministic.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import ConfigError, InvalidInputError

__all__ = [
    "ArbitrationResult",
    "Proposal",
    "QuorumConfig",
    "QuorumVotingEngine",
    "VoteOutcome",
    "VotingResult",
    "vote",
]

ProposalStatus = Literal["open", "consensus", "no_consensus"]


class QuorumModule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    weight: float = Field(gt=0)
    required: bool = False


class QuorumConfig(BaseModel):
    """The seed's `voting_config` shape."""

    model_config = ConfigDict(frozen=True, extra="allow")
    modules: dict[str, QuorumModule]
    consensus_threshold: float = Field(0.67, gt=0, le=1)
    timeout_seconds: float = Field(30, gt=0)
    arbitration_enabled: bool = True

    @model_validator(mode="after")
    def _has_modules(self):
        if not self.modules:
            raise ValueError("modules must name at least one voting module")
        return self


@dataclass(frozen=True)
class Proposal:
    proposal_id: str
    proposal_type: str
    options: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Vote:
    module: str
    choice: str
    confidence: float
    weight: float


@dataclass(frozen=True)
class ProposalReceipt:
    proposal_id: str
    status: ProposalStatus
    options: tuple[str, ...]


@dataclass(frozen=True)
class VotingResult:
    proposal_id: str
    status: ProposalStatus
    consensus_reached: bool
    selected_option: str | None
    consensus_confidence: float  # support of the leading option, 0..1
    support: dict[str, float]
    votes: dict[str, Vote]
    missing_required: tuple[str, ...]
    timed_out: bool


@dataclass(frozen=True)
class ArbitrationResult:
    proposal_id: str
    decision: str | None
    arbitrator: str
    reasoning: str


class QuorumVotingEngine:
    def __init__(self, config: QuorumConfig | Mapping[str, Any], *, clock: Callable[[], float] = time.monotonic) -> None:
        if not isinstance(config, QuorumConfig):
            try:
                config = QuorumConfig.model_validate(dict(config))
            except ValidationError as exc:
                raise ConfigError(f"invalid quorum voting config: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from exc
        self.config = config
        self._clock = clock
        self._proposals: dict[str, Proposal] = {}
        self._opened_at: dict[str, float] = {}
        self._votes: dict[str, dict[str, Vote]] = {}

    def submit_proposal(self, proposal: Proposal | Mapping[str, Any]) -> ProposalReceipt:
        if not isinstance(proposal, Proposal):
            proposal = _proposal_from_mapping(proposal)
        if not proposal.options:
            raise InvalidInputError(f"proposal {proposal.proposal_id!r} has no options to vote on; pass 'options'")
        if proposal.proposal_id in self._proposals:
            raise InvalidInputError(f"proposal {proposal.proposal_id!r} was already submitted; use a new proposal_id")
        self._proposals[proposal.proposal_id] = proposal
        self._opened_at[proposal.proposal_id] = self._clock()
        self._votes[proposal.proposal_id] = {}
        return ProposalReceipt(proposal.proposal_id, "open", proposal.options)

    def cast_vote(self, proposal_id: str, module: str, choice: str, confidence: float = 1.0) -> VotingResult:
        proposal = self._get(proposal_id)
        spec = self.config.modules.get(module)
        if spec is None:
            raise InvalidInputError(f"unknown voting module {module!r}; configured: {', '.join(sorted(self.config.modules))}")
        if choice not in proposal.options:
            raise InvalidInputError(f"{choice!r} is not an option of {proposal_id!r}; choose one of {', '.join(proposal.options)}")
        if not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:
            raise InvalidInputError(f"confidence must be in [0, 1], got {confidence!r}")
        current = self.get_voting_results(proposal_id)
        if current.status != "open":
            raise InvalidInputError(f"proposal {proposal_id!r} is closed ({current.status}); votes are no longer taken")
        if module in self._votes[proposal_id]:
            raise InvalidInputError(f"module {module!r} already voted on {proposal_id!r}")
        self._votes[proposal_id][module] = Vote(module, choice, float(confidence), spec.weight)
        return self.get_voting_results(proposal_id)

    def get_voting_results(self, proposal_id: str) -> VotingResult:
        proposal = self._get(proposal_id)
        votes = dict(self._votes[proposal_id])
        total = sum(m.weight for m in self.config.modules.values())
        support = {o: 0.0 for o in proposal.options}
        for vote in votes.values():
            support[vote.choice] += vote.weight * vote.confidence / total
        support = {o: round(s, 9) for o, s in support.items()}
        leader = _leader(support, votes, self.config)
        missing = tuple(sorted(n for n, m in self.config.modules.items() if m.required and n not in votes))
        timed_out = self._clock() - self._opened_at[proposal_id] >= self.config.timeout_seconds
        reached = not missing and leader is not None and support[leader] >= self.config.consensus_threshold
        if reached:
            status: ProposalStatus = "consensus"
        elif timed_out or len(votes) == len(self.config.modules):
            status = "no_consensus"
        else:
            status = "open"
        return VotingResult(
            proposal_id, status, reached, leader if reached else None,
            support[leader] if leader is not None else 0.0, support, votes, missing, timed_out and not reached,
        )

    def handle_arbitration(self, proposal_id: str) -> ArbitrationResult:
        result = self.get_voting_results(proposal_id)
        if result.status != "no_consensus":
            raise InvalidInputError(
                f"proposal {proposal_id!r} is {result.status}; arbitration is only for proposals that ended without consensus"
            )
        if not self.config.arbitration_enabled:
            return ArbitrationResult(proposal_id, None, "none", "arbitration is disabled in the voting config")
        leader = _leader(result.support, result.votes, self.config)
        if leader is None:
            return ArbitrationResult(proposal_id, None, "weighted_plurality", "no module voted; nothing to arbitrate")
        return ArbitrationResult(
            proposal_id, leader, "weighted_plurality",
            f"{leader!r} has the most weighted support ({result.support[leader]:.2f}) of the votes cast; "
            f"consensus needed {self.config.consensus_threshold:.2f}"
            + (f"; required modules missing: {', '.join(result.missing_required)}" if result.missing_required else ""),
        )

    def _get(self, proposal_id: str) -> Proposal:
        try:
            return self._proposals[proposal_id]
        except KeyError:
            raise InvalidInputError(f"unknown proposal {proposal_id!r}; submit it first") from None


def _leader(support: dict[str, float], votes: dict[str, Vote], config: QuorumConfig) -> str | None:
    if not votes:
        return None
    heaviest = {o: max((v.weight for v in votes.values() if v.choice == o), default=0.0) for o in support}
    return min(support, key=lambda o: (-support[o], -heaviest[o], o))


def _proposal_from_mapping(raw: Mapping[str, Any]) -> Proposal:
    proposal_id = raw.get("proposal_id")
    if not isinstance(proposal_id, str) or not proposal_id:
        raise InvalidInputError("a proposal needs a non-empty 'proposal_id'")
    data = dict(raw.get("data") or {})
    options = raw.get("options") or data.get("candidate_overlays") or data.get("options") or ()
    if isinstance(options, str) or not all(isinstance(o, str) for o in options):
        raise InvalidInputError(f"proposal {proposal_id!r}: options must be a list of strings, got {options!r}")
    return Proposal(proposal_id, str(raw.get("proposal_type", "generic")), tuple(dict.fromkeys(options)), data)


@dataclass(frozen=True)
class VoteOutcome:
    """A one-shot vote: the consensus option, else the arbitrated one (None when arbitration is off)."""

    decision: str | None
    consensus_reached: bool
    arbitrated: bool
    consensus_confidence: float  # support of the leading option, 0..1 of the total weight
    support: dict[str, float]
    reasoning: str


def vote(
    choices_with_weights: Mapping[str, tuple[str, float]],
    *,
    consensus_threshold: float | None = None,
    arbitration_enabled: bool | None = None,
) -> VoteOutcome:
    """Decide among the voters' choices: ``{voter: (choice, weight)}``.

    Consensus needs the leading choice's share of the total weight to reach
    ``consensus_threshold`` (QuorumConfig's default when None); otherwise arbitration picks the
    choice with the most weight (ties: the heaviest single voter, then alphabetical order).
    """
    if not choices_with_weights:
        raise InvalidInputError("vote() needs at least one voter: pass {voter: (choice, weight)}")
    for voter, ballot in choices_with_weights.items():
        if not (isinstance(ballot, tuple) and len(ballot) == 2 and isinstance(ballot[0], str)
                and isinstance(ballot[1], (int, float)) and not isinstance(ballot[1], bool) and ballot[1] > 0):
            raise InvalidInputError(f"voter {voter!r}: a ballot is (choice: str, weight > 0), got {ballot!r}")
    overrides = {k: v for k, v in (("consensus_threshold", consensus_threshold),
                                   ("arbitration_enabled", arbitration_enabled)) if v is not None}
    modules = {voter: {"weight": float(weight)} for voter, (_, weight) in choices_with_weights.items()}
    engine = QuorumVotingEngine({"modules": modules, **overrides}, clock=lambda: 0.0)  # no timeout in one shot
    proposal_id = "vote"
    engine.submit_proposal(Proposal(proposal_id, "vote", tuple(dict.fromkeys(c for c, _ in choices_with_weights.values()))))
    # heaviest voters first (then by name), so the outcome does not depend on the mapping's order
    for voter, (choice, _) in sorted(choices_with_weights.items(), key=lambda item: (-item[1][1], item[0])):
        if engine.get_voting_results(proposal_id).status != "open":
            break  # consensus already: later votes cannot take it away
        engine.cast_vote(proposal_id, voter, choice)
    result = engine.get_voting_results(proposal_id)
    if result.consensus_reached:
        return VoteOutcome(result.selected_option, True, False, result.consensus_confidence, result.support,
                           f"consensus at {result.consensus_confidence:.2f} "
                           f">= {engine.config.consensus_threshold:.2f}")
    arbitration = engine.handle_arbitration(proposal_id)
    return VoteOutcome(arbitration.decision, False, arbitration.decision is not None, result.consensus_confidence,
                       result.support, arbitration.reasoning)
