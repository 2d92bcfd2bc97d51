"""Budget governance: the SQL budget ledger, energy allocation, the budget tripwire and quorum voting."""

from .energy import Allocation, Consumption, EnergyGovernanceController, TripwireState, hold_ttl_s, ledger_limits
from .ledger import BudgetLedger, Denial, LedgerLimits, Outstanding, Reservation, Settlement, Usage
from .quorum import ArbitrationResult, QuorumConfig, QuorumVotingEngine, VoteOutcome, VotingResult, vote
from .tripwire import BreachCheck, BudgetTripwire, ResetResult, TripwireStatus, default_state_file

__all__ = [
    "Allocation",
    "ArbitrationResult",
    "BreachCheck",
    "BudgetLedger",
    "BudgetTripwire",
    "Consumption",
    "Denial",
    "EnergyGovernanceController",
    "LedgerLimits",
    "Outstanding",
    "QuorumConfig",
    "QuorumVotingEngine",
    "Reservation",
    "ResetResult",
    "Settlement",
    "TripwireState",
    "TripwireStatus",
    "Usage",
    "VoteOutcome",
    "VotingResult",
    "default_state_file",
    "hold_ttl_s",
    "ledger_limits",
    "vote",
]
