"""QuorumVotingEngine: weighted consensus, required modules, timeout and deterministic arbitration."""

from __future__ import annotations

import pytest

from cert_core.errors import ConfigError, InvalidInputError
from cert_core.governance import QuorumVotingEngine

SEED_CONFIG = {
    "modules": {
        "EnergyLedger": {"weight": 0.3, "required": True},
        "EntropyAuditor": {"weight": 0.2, "required": True},
        "TrustManager": {"weight": 0.25, "required": False},
        "ContinuityEngine": {"weight": 0.25, "required": False},
    },
    "consensus_threshold": 0.67,
    "timeout_seconds": 30,
    "arbitration_enabled": True,
}
PROPOSAL = {
    "proposal_id": "overlay_selection_001",
    "proposal_type": "overlay_selection",
    "data": {"scenario_id": "financial_refund_001", "candidate_overlays": ["rollback_first", "state_model_first"]},
}




@pytest.fixture
def engine(clock):
    eng = QuorumVotingEngine(SEED_CONFIG, clock=clock)
    assert eng.submit_proposal(PROPOSAL).options == ("rollback_first", "state_model_first")
    return eng


def test_consensus_when_required_modules_voted_and_support_reaches_threshold(engine):
    pid = "overlay_selection_001"
    engine.cast_vote(pid, "EnergyLedger", "rollback_first")
    r = engine.cast_vote(pid, "TrustManager", "rollback_first")
    assert r.status == "open" and "EntropyAuditor" in r.missing_required  # 0.55 support, a required vote missing
    r = engine.cast_vote(pid, "EntropyAuditor", "rollback_first", confidence=0.9)
    # (0.3 + 0.25 + 0.2*0.9) / 1.0 = 0.73 >= 0.67
    assert r.consensus_reached and r.selected_option == "rollback_first"
    assert r.consensus_confidence == pytest.approx(0.73)
    with pytest.raises(InvalidInputError, match="closed"):
        engine.cast_vote(pid, "ContinuityEngine", "state_model_first")


def test_split_vote_ends_without_consensus_and_arbitration_decides(engine):
    pid = "overlay_selection_001"
    engine.cast_vote(pid, "EnergyLedger", "state_model_first")
    engine.cast_vote(pid, "EntropyAuditor", "rollback_first")
    engine.cast_vote(pid, "TrustManager", "rollback_first")
    r = engine.cast_vote(pid, "ContinuityEngine", "state_model_first")
    assert r.status == "no_consensus" and r.support == {"rollback_first": 0.45, "state_model_first": 0.55}
    arb = engine.handle_arbitration(pid)
    assert arb.decision == "state_model_first" and arb.arbitrator == "weighted_plurality"


def test_tie_goes_to_the_option_backed_by_the_heaviest_module(clock):
    eng = QuorumVotingEngine({"modules": {"a": {"weight": 2}, "b": {"weight": 1}, "c": {"weight": 1}},
                              "consensus_threshold": 0.9}, clock=clock)
    eng.submit_proposal({"proposal_id": "p", "options": ["x", "y"]})
    eng.cast_vote("p", "a", "y", confidence=0.5)  # 1.0 of support, from the heaviest module
    eng.cast_vote("p", "b", "x")
    eng.cast_vote("p", "c", "x", confidence=0.0)  # x: 0.25, y: 0.25
    assert eng.handle_arbitration("p").decision == "y"


def test_timeout_closes_the_proposal(engine, clock):
    pid = "overlay_selection_001"
    engine.cast_vote(pid, "TrustManager", "rollback_first")
    with pytest.raises(InvalidInputError, match="only for proposals that ended"):
        engine.handle_arbitration(pid)
    clock.advance(30)
    r = engine.get_voting_results(pid)
    assert r.status == "no_consensus" and r.timed_out
    assert r.missing_required == ("EnergyLedger", "EntropyAuditor")
    assert engine.handle_arbitration(pid).decision == "rollback_first"


def test_arbitration_disabled_decides_nothing(clock):
    eng = QuorumVotingEngine({**SEED_CONFIG, "arbitration_enabled": False}, clock=clock)
    eng.submit_proposal(PROPOSAL)
    clock.advance(31)
    assert eng.handle_arbitration("overlay_selection_001").decision is None


def test_bad_votes_and_proposals(engine):
    pid = "overlay_selection_001"
    with pytest.raises(InvalidInputError, match="unknown voting module 'Oracle'; configured: ContinuityEngine"):
        engine.cast_vote(pid, "Oracle", "rollback_first")
    with pytest.raises(InvalidInputError, match="not an option"):
        engine.cast_vote(pid, "EnergyLedger", "observability_first")
    with pytest.raises(InvalidInputError, match="confidence"):
        engine.cast_vote(pid, "EnergyLedger", "rollback_first", confidence=1.5)
    engine.cast_vote(pid, "EnergyLedger", "rollback_first")
    with pytest.raises(InvalidInputError, match="already voted"):
        engine.cast_vote(pid, "EnergyLedger", "rollback_first")
    with pytest.raises(InvalidInputError, match="already submitted"):
        engine.submit_proposal(PROPOSAL)
    with pytest.raises(InvalidInputError, match="no options"):
        engine.submit_proposal({"proposal_id": "empty"})
    with pytest.raises(InvalidInputError, match="unknown proposal"):
        engine.get_voting_results("nope")


def test_bad_config_is_a_config_error():
    with pytest.raises(ConfigError, match="weight"):
        QuorumVotingEngine({"modules": {"a": {"weight": 0}}})


def test_one_shot_vote_reaches_consensus_by_weight():
    from cert_core.governance import vote

    # a: 0.5 + 0.3 = 0.8 of the weight >= 0.67
    outcome = vote({"agent-1": ("a", 0.5), "agent-2": ("b", 0.2), "agent-3": ("a", 0.3)})
    assert (outcome.decision, outcome.consensus_reached, outcome.arbitrated) == ("a", True, False)
    assert outcome.consensus_confidence == pytest.approx(0.8)


def test_one_shot_vote_without_quorum_goes_to_arbitration():
    from cert_core.governance import vote

    # a: 2/5 = 0.4, b: 2/5 = 0.4, c: 1/5; tie between a and b goes to the heaviest single voter (b's 2.0)
    ballots = {"x": ("a", 1.0), "y": ("a", 1.0), "z": ("b", 2.0), "w": ("c", 1.0)}
    outcome = vote(ballots, consensus_threshold=0.5)
    assert (outcome.decision, outcome.consensus_reached, outcome.arbitrated) == ("b", False, True)
    assert outcome.support == {"a": 0.4, "b": 0.4, "c": 0.2}
    assert vote(ballots, consensus_threshold=0.5, arbitration_enabled=False).decision is None
    # at 0.4 both a and b would reach it; the heaviest voter votes first, whatever the mapping's order
    assert vote(ballots, consensus_threshold=0.4).decision == "b"
    assert vote(dict(reversed(ballots.items())), consensus_threshold=0.4).decision == "b"


@pytest.mark.parametrize("ballots", [{}, {"x": ("a", 0)}, {"x": ("a",)}, {"x": (1, 1.0)}])
def test_one_shot_vote_rejects_bad_ballots(ballots):
    from cert_core.governance import vote

    with pytest.raises(InvalidInputError):
        vote(ballots)
