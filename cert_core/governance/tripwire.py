"""BudgetTripwire: downgrade the overlay parameters after consecutive token-budget breaches.

Semantics (seed, energy_governance.yaml `budget_tripwire`):
- A check with token delta above `breach_threshold` % is a breach; `consecutive_limit` breaches in a
  row activate the downgrade, which merges `downgrade_parameters` over the overlay parameters.
- While downgraded, a check below `recovery_threshold` % is a normal operation. The downgrade lifts
  by itself when `consecutive_normal_operations` normal operations ran in a row, at least
  `time_since_last_breach_hours` passed since the last breach and, when required, the injected
  system health check passes. `reset_downgrade()` lifts it by hand.
- A delta may be negative (fewer tokens than the baseline); it cannot be below -100 % or NaN.

The state lives in one JSON file shared by every process (see `JsonStateFile`): each check is
one locked read-modify-write, so concurrent workers never lose a count. The file is validated
with its typed model (`TripwireStateModel`, strict: `"total_checks": "3"` is wrong) on every load.
Fail closed: while the file is corrupt, nothing is counted, the downgrade it last recorded is kept
(on, when that cannot be read) and `get_status().state_problem` says why, until an operator runs
`reset_downgrade()` (`cert tripwire reset`), which moves the bad file aside.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..config.energy_governance import BudgetTripwireConfig
from ..errors import CorruptStateError, InvalidInputError
from ..observability import METRICS, get_logger
from .state_file import JsonStateFile

log = get_logger(__name__)

STATE_VERSION = 1
HISTORY_LIMIT = 50
DEFAULT_STATE_FILE_NAME = "tripwire_state.json"
Clock = Callable[[], datetime]


def default_state_file(state_dir: str | Path) -> Path:
    """Where the flows and `cert health` keep the shared tripwire state."""
    return Path(state_dir) / DEFAULT_STATE_FILE_NAME


@dataclass(frozen=True)
class BreachCheck:
    is_breach: bool
    token_delta: float
    consecutive_breaches: int
    downgrade_triggered: bool  # this check switched the downgrade on
    downgrade_active: bool
    downgrade_reason: str | None
    recovered: bool = False  # this check lifted the downgrade
    consecutive_normal_operations: int = 0


@dataclass(frozen=True)
class BreachRecord:
    timestamp: str
    token_delta: float
    context: dict[str, Any]


class _BreachModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    timestamp: str
    token_delta: float
    context: dict[str, Any] = Field(default_factory=dict)


class TripwireStateModel(BaseModel):
    """The state file's typed model; missing keys (older files) take their fresh values."""

    model_config = ConfigDict(strict=True, extra="ignore")
    version: int = STATE_VERSION
    downgrade_active: bool = False
    downgrade_reason: str | None = None
    downgrade_since: str | None = None
    consecutive_breaches: int = Field(0, ge=0)
    consecutive_normal: int = Field(0, ge=0)
    last_breach_at: str | None = None
    total_checks: int = Field(0, ge=0)
    breach_history: list[_BreachModel] = Field(default_factory=list)


def validate_state(raw: dict[str, Any]) -> dict[str, Any]:
    """The state as TripwireStateModel reads it; a wrong type raises (pydantic's ValidationError)."""
    state = TripwireStateModel.model_validate(raw).model_dump()
    for stamp in (state["downgrade_since"], state["last_breach_at"]):
        if stamp is not None:
            datetime.fromisoformat(stamp)  # ValueError when it is not a timestamp
    state["version"] = STATE_VERSION
    return state


@dataclass(frozen=True)
class TripwireStatus:
    enabled: bool
    downgrade_active: bool
    downgrade_reason: str | None
    downgrade_since: str | None
    consecutive_breaches: int
    consecutive_normal_operations: int
    breach_threshold: float
    recovery_threshold: float
    consecutive_limit: int
    last_breach_at: str | None
    total_checks: int
    recent_breaches: tuple[BreachRecord, ...]
    state_file: str
    corrupt_state_quarantined: str | None
    state_problem: str | None = None  # the state file is corrupt: failing closed until `cert tripwire reset`


@dataclass(frozen=True)
class ResetResult:
    reset: bool
    was_active: bool
    message: str


def _fresh_state() -> dict[str, Any]:
    return {
        "version": STATE_VERSION,
        "downgrade_active": False,
        "downgrade_reason": None,
        "downgrade_since": None,
        "consecutive_breaches": 0,
        "consecutive_normal": 0,
        "last_breach_at": None,
        "total_checks": 0,
        "breach_history": [],
    }


def _utcnow() -> datetime:
    return datetime.now(UTC)


class BudgetTripwire:
    """The tripwire of ``config`` (energy_governance.yaml `budget_tripwire`, validated there) over
    the state file shared by every process."""

    def __init__(
        self,
        config: BudgetTripwireConfig,
        state_file: str | Path,
        *,
        clock: Clock = _utcnow,
        health_check: Callable[[], bool] | None = None,
    ) -> None:
        self.config = config
        self.breach_threshold = config.breach_threshold_percentage
        self.consecutive_limit = config.consecutive_breach_limit
        self.downgrade_parameters = dict(config.downgrade_parameters)
        self.recovery_threshold = config.recovery_threshold_percentage
        self.recovery_conditions = config.recovery_conditions
        self.enabled = config.enabled
        self._clock = clock
        self._health_check = health_check
        self._store = JsonStateFile(state_file, validate=validate_state)
        self._reported: set[str] = set()

    @property
    def state_file(self) -> Path:
        return self._store.path

    def check_budget_breach(self, token_delta_pct: float, context: Mapping[str, Any] | None = None) -> BreachCheck:
        delta = _validate_delta(token_delta_pct)
        is_breach = delta > self.breach_threshold
        if not self.enabled:
            return BreachCheck(is_breach, delta, 0, False, False, None)
        now = self._now()
        outcome: dict[str, Any] = {}

        def apply(state: dict[str, Any] | None) -> dict[str, Any]:
            state = _normalise(state)
            state["total_checks"] += 1
            triggered = recovered = False
            if is_breach:
                state["consecutive_breaches"] += 1
                state["consecutive_normal"] = 0
                state["last_breach_at"] = now.isoformat()
                record = {"timestamp": now.isoformat(), "token_delta": delta, "context": _jsonable(context)}
                state["breach_history"] = (state["breach_history"] + [record])[-HISTORY_LIMIT:]
                if not state["downgrade_active"] and state["consecutive_breaches"] >= self.consecutive_limit:
                    triggered = True
                    state["downgrade_active"] = True
                    state["downgrade_since"] = now.isoformat()
                    state["downgrade_reason"] = (
                        f"{state['consecutive_breaches']} consecutive budget breaches above "
                        f"{self.breach_threshold:g}% (latest {delta:.1f}%)"
                    )
            else:
                state["consecutive_breaches"] = 0
                normal = delta < self.recovery_threshold
                state["consecutive_normal"] = state["consecutive_normal"] + 1 if normal else 0
                if state["downgrade_active"] and self._recovery_due(state, now):
                    recovered = True
                    state.update(downgrade_active=False, downgrade_reason=None, downgrade_since=None)
            outcome.update(triggered=triggered, recovered=recovered)
            return state

        try:
            state = self._store.update(apply)
        except CorruptStateError as exc:  # count nothing, keep the downgrade: fail closed
            closed = self._fail_closed(exc)
            METRICS.tripwire_active.set(1 if closed["downgrade_active"] else 0)
            return BreachCheck(is_breach, delta, 0, False, closed["downgrade_active"], closed["downgrade_reason"])
        METRICS.tripwire_active.set(1 if state["downgrade_active"] else 0)
        if outcome["triggered"]:
            log.warning("budget tripwire downgrade activated", extra={"reason": state["downgrade_reason"]})
        if outcome["recovered"]:
            log.info("budget tripwire downgrade lifted: recovery conditions met")
        return BreachCheck(
            is_breach=is_breach,
            token_delta=delta,
            consecutive_breaches=state["consecutive_breaches"],
            downgrade_triggered=outcome["triggered"],
            downgrade_active=state["downgrade_active"],
            downgrade_reason=state["downgrade_reason"],
            recovered=outcome["recovered"],
            consecutive_normal_operations=state["consecutive_normal"],
        )

    def _recovery_due(self, state: dict[str, Any], now: datetime) -> bool:
        cond = self.recovery_conditions
        if state["consecutive_normal"] < cond.consecutive_normal_operations:
            return False
        last = state["last_breach_at"]
        if last is not None and now - datetime.fromisoformat(last) < timedelta(hours=cond.time_since_last_breach_hours):
            return False
        if cond.system_health_check_passed and self._health_check is not None:
            return bool(self._health_check())
        return True

    def _read(self) -> tuple[dict[str, Any], str | None]:
        """The state and, when the file is corrupt, the problem (the state is then the fail-closed one)."""
        try:
            return _normalise(self._store.read()), None
        except CorruptStateError as exc:
            return self._fail_closed(exc), exc.message

    def _fail_closed(self, exc: CorruptStateError) -> dict[str, Any]:
        """The state to act on while the file is corrupt: its last readable downgrade, else downgraded."""
        if exc.message not in self._reported:  # once per problem and process, not once per row
            self._reported.add(exc.message)
            log.error("%s; the budget tripwire fails closed", exc.message, extra={"error_type": exc.error_type})
        parsed = exc.context.get("parsed") or {}
        known = parsed.get("downgrade_active")
        active = known if isinstance(known, bool) else True
        state = _fresh_state()
        state.update(downgrade_active=active, downgrade_reason=(
            "tripwire state file is corrupt: " + ("keeping its last recorded downgrade" if isinstance(known, bool)
                                                  else "downgraded to be safe")
            + " until an operator runs `cert tripwire reset`") if active else None)
        return state

    def state_problem(self) -> str | None:
        """Why the state file cannot be used (None when it can); call before the first LLM call."""
        return self._read()[1] if self.enabled else None

    def is_downgrade_active(self) -> bool:
        return self.enabled and self._read()[0]["downgrade_active"]

    def get_overlay_params(self, base: Mapping[str, str]) -> dict[str, str]:
        """The base parameters, with the downgrade parameters merged over them while downgraded."""
        params = dict(base)
        if self.is_downgrade_active():
            params.update(self.downgrade_parameters)
        return params

    def get_status(self) -> TripwireStatus:
        state, problem = self._read() if self.enabled else (_fresh_state(), None)
        METRICS.tripwire_active.set(1 if state["downgrade_active"] else 0)
        quarantined = self._store.last_quarantined
        return TripwireStatus(
            enabled=self.enabled,
            downgrade_active=state["downgrade_active"],
            downgrade_reason=state["downgrade_reason"],
            downgrade_since=state["downgrade_since"],
            consecutive_breaches=state["consecutive_breaches"],
            consecutive_normal_operations=state["consecutive_normal"],
            breach_threshold=self.breach_threshold,
            recovery_threshold=self.recovery_threshold,
            consecutive_limit=self.consecutive_limit,
            last_breach_at=state["last_breach_at"],
            total_checks=state["total_checks"],
            recent_breaches=tuple(
                BreachRecord(r["timestamp"], float(r["token_delta"]), dict(r.get("context") or {}))
                for r in state["breach_history"][-10:]
            ),
            state_file=str(self.state_file),
            corrupt_state_quarantined=str(quarantined) if quarantined else None,
            state_problem=problem,
        )

    def force_downgrade(self, reason: str) -> bool:
        """Switch the downgrade on from outside the budget checks (a critical drift event). It lifts
        by the usual recovery rules or `reset_downgrade()`. Returns whether it was already on."""
        now = self._now()
        was: dict[str, bool] = {}

        def apply(state: dict[str, Any] | None) -> dict[str, Any]:
            state = _normalise(state)
            was["active"] = state["downgrade_active"]
            if not state["downgrade_active"]:
                state.update(downgrade_active=True, downgrade_reason=reason, downgrade_since=now.isoformat(),
                             consecutive_normal=0)
            return state

        self._store.update(apply)
        METRICS.tripwire_active.set(1)
        if not was["active"]:
            log.warning("budget tripwire downgrade activated", extra={"reason": reason})
        return was["active"]

    def reset_downgrade(self) -> ResetResult:
        """Lift the downgrade by hand; a corrupt state file is moved aside and replaced by a fresh one."""
        was: dict[str, bool] = {}

        def apply(state: dict[str, Any] | None) -> dict[str, Any]:
            state = _normalise(state)
            was["active"] = state["downgrade_active"]
            state.update(downgrade_active=False, downgrade_reason=None, downgrade_since=None,
                         consecutive_breaches=0, consecutive_normal=0)
            return state

        try:
            self._store.update(apply)
        except CorruptStateError:
            was["active"] = True  # it was failing closed
            self._store.replace(_fresh_state())
            METRICS.tripwire_active.set(0)
            return ResetResult(True, True, f"corrupt state file moved to {self._store.last_quarantined}; "
                                           "started from a fresh state, downgrade lifted")
        METRICS.tripwire_active.set(0)
        message = "downgrade lifted by hand" if was["active"] else "no downgrade was active; counters cleared"
        return ResetResult(reset=True, was_active=was["active"], message=message)

    def _now(self) -> datetime:
        now = self._clock()
        return now if now.tzinfo else now.replace(tzinfo=UTC)


def _validate_delta(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(
            f"token delta must be a number (percent over the baseline), got {type(value).__name__} {value!r}"
        )
    delta = float(value)
    if math.isnan(delta) or math.isinf(delta):
        raise InvalidInputError(
            f"token delta must be a finite percentage, got {delta}; compute it as (actual - baseline) / baseline * 100 "
            "with a baseline above 0"
        )
    if delta < -100.0:
        raise InvalidInputError(
            f"token delta {delta:.1f}% is below -100% (fewer than zero tokens); check the token counts passed in"
        )
    return delta


def _normalise(state: dict[str, Any] | None) -> dict[str, Any]:
    """Fill missing keys (older or partial files) from the fresh state."""
    fresh = _fresh_state()
    if not state:
        return fresh
    merged = {**fresh, **{k: v for k, v in state.items() if k in fresh}}
    merged["version"] = STATE_VERSION
    if not isinstance(merged["breach_history"], list):
        merged["breach_history"] = []
    return merged


def _jsonable(context: Mapping[str, Any] | None) -> dict[str, Any]:
    if not context:
        return {}
    return {str(k): v if isinstance(v, (str, int, float, bool, type(None))) else str(v) for k, v in context.items()}
