"""BudgetLedger: token and cost budgets in SQL, exact under concurrent processes.

One SQLAlchemy URL selects the store: SQLite (default, one machine; WAL, busy timeout, each
reservation is one `BEGIN IMMEDIATE` transaction, so writers queue) or PostgreSQL (many workers;
the window counter rows are locked with `SELECT ... FOR UPDATE` in key order, so there is no lost
update and no deadlock). A reservation charges the UTC day and hour windows (and, when given, a
per-category daily window) only if every cap still holds; `commit` moves the charge to the actual
usage, `release` gives it back. Costs are kept in integer micro-dollars so totals stay exact.

Reservations expire: one not committed or released within `hold_ttl_s` (its process died between
reserve and commit) no longer counts against any cap. Every reservation transaction first gives
back the expired holds it can lock (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two sweepers never wait
on each other and a commit in progress keeps its row), and `usage` leaves out expired holds that no
writer has swept yet, so the figures are exact at any moment. A commit that arrives after its hold
expired, or above its hold, is recorded truthfully (the tokens were used) and returned flagged,
naming every cap it took past its limit, so the caller raises the alarm.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url

from ..errors import InvalidInputError, ResourceError
from ..io.private import touch_private
from ..observability import get_logger

log = get_logger(__name__)
MICRO = 1_000_000
T = TypeVar("T")
_PREFIX = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


@dataclass(frozen=True)
class LedgerLimits:
    daily_tokens: int
    hourly_tokens: int
    daily_cost_usd: float
    hourly_cost_usd: float


@dataclass(frozen=True)
class Reservation:
    operation_id: str
    tokens: int
    cost_usd: float
    day: str
    hour: str
    category: str | None
    daily_tokens_used: int | None = None  # the day's total right after this reservation (None: not read)


@dataclass(frozen=True)
class Settlement:
    """A committed reservation: what was reserved, what was used, and the day's total after it."""

    operation_id: str
    reserved_tokens: int
    actual_tokens: int
    cost_usd: float
    daily_tokens_used: int
    late: bool = False  # committed after its hold had expired
    over_caps: tuple[str, ...] = ()  # caps this commit took past their limit (recorded, to be alarmed)

    @property
    def over_reservation(self) -> bool:
        return self.actual_tokens > self.reserved_tokens


@dataclass(frozen=True)
class Outstanding:
    """Holds not yet committed or released: how many, how much, and the oldest one's age."""

    count: int
    tokens: int
    expired: int  # of them, past their expiry (they no longer count against any cap)
    oldest_age_s: float


@dataclass(frozen=True)
class Denial:
    operation_id: str
    reason: str  # what cap, what it holds and what was asked
    cap: str  # daily_tokens | hourly_tokens | daily_cost | hourly_cost | category_tokens
    daily_tokens_used: int | None = None


@dataclass(frozen=True)
class Usage:
    day: str
    hour: str
    daily_tokens: int
    hourly_tokens: int
    daily_cost_usd: float
    hourly_cost_usd: float
    limits: LedgerLimits

    @property
    def daily_tokens_remaining(self) -> int:
        return max(0, self.limits.daily_tokens - self.daily_tokens)


def window_keys(now: datetime) -> tuple[str, str]:
    """The UTC day and hour a moment falls in; naive datetimes are taken as UTC."""
    moment = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%d"), moment.strftime("%Y-%m-%dT%H")


class BudgetLedger:
    def __init__(self, url: str, limits: LedgerLimits, *, table_prefix: str = "cert_", busy_timeout_s: float = 30.0,
                 hold_ttl_s: float | None = None):
        if not _PREFIX.match(table_prefix.rstrip("_") or "x"):
            raise InvalidInputError(f"table_prefix {table_prefix!r} must be lower-case letters, digits and '_'")
        if hold_ttl_s is not None and not (isinstance(hold_ttl_s, (int, float)) and math.isfinite(hold_ttl_s)
                                           and hold_ttl_s > 0):
            raise InvalidInputError(f"hold_ttl_s must be a number of seconds > 0, got {hold_ttl_s!r}")
        self.limits = limits
        self.hold_ttl_s = hold_ttl_s  # None: holds never expire
        try:
            parsed = make_url(url)
        except sa.exc.ArgumentError as exc:
            raise ResourceError(f"budget ledger URL {url!r} is not a SQLAlchemy URL (e.g. sqlite:///path.db)") from exc
        self.url_for_messages = parsed.render_as_string(hide_password=True)
        self._is_sqlite = parsed.get_backend_name() == "sqlite"
        if self._is_sqlite and parsed.database and parsed.database != ":memory:":
            try:
                touch_private(parsed.database)  # 0600 in a 0700 folder before SQLite creates it
            except OSError as exc:
                raise ResourceError(
                    f"budget ledger at {self.url_for_messages}: cannot create its folder ({exc.strerror or exc}); "
                    "set CERT_STATE_DIR or CERT_LEDGER_URL to a writable place"
                ) from exc
        connect_args = {"timeout": busy_timeout_s} if self._is_sqlite else {}
        self.engine = sa.create_engine(parsed, connect_args=connect_args, pool_pre_ping=not self._is_sqlite)
        if self._is_sqlite:
            _configure_sqlite(self.engine, busy_timeout_s)
        meta = sa.MetaData()
        self.windows = sa.Table(
            f"{table_prefix}budget_windows", meta,
            sa.Column("window_key", sa.String(96), primary_key=True),
            sa.Column("tokens_used", sa.BigInteger, nullable=False, default=0),
            sa.Column("cost_micro_usd", sa.BigInteger, nullable=False, default=0),
        )
        self.reservations = sa.Table(
            f"{table_prefix}budget_reservations", meta,
            sa.Column("operation_id", sa.String(200), primary_key=True),
            sa.Column("day_key", sa.String(16), nullable=False),
            sa.Column("hour_key", sa.String(16), nullable=False),
            sa.Column("category", sa.String(96)),
            sa.Column("reserved_tokens", sa.BigInteger, nullable=False),
            sa.Column("tokens", sa.BigInteger, nullable=False),  # reserved, then actual once committed
            sa.Column("cost_micro_usd", sa.BigInteger, nullable=False),
            sa.Column("status", sa.String(16), nullable=False),  # reserved | committed | released | expired
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.Float),  # epoch seconds; NULL: never
            sa.Index(f"ix_{table_prefix}budget_res_status_expiry", "status", "expires_at"),
        )
        self._meta = meta
        self._ready = False
        self._build_statements()

    # -- public API -----------------------------------------------------------------------------

    def reserve(
        self,
        operation_id: str,
        tokens: int,
        cost_usd: float = 0.0,
        now: datetime | None = None,
        *,
        category: str | None = None,
        category_daily_tokens: int | None = None,
        daily_token_cap: int | None = None,
    ) -> Reservation | Denial:
        """Charge the windows in one transaction, or deny naming the cap. Idempotent per operation_id."""
        _check_id(operation_id)
        tokens = _check_tokens(tokens)
        micro = _to_micro(cost_usd)
        now = now or datetime.now(UTC)
        day, hour = window_keys(now)
        daily_cap = self.limits.daily_tokens if daily_token_cap is None else min(self.limits.daily_tokens, daily_token_cap)
        caps: list[tuple[str, str, int]] = [  # (cap name, window key, token cap)
            ("daily_tokens", f"day:{day}", daily_cap),
            ("hourly_tokens", f"hour:{hour}", self.limits.hourly_tokens),
        ]
        cost_caps = [("daily_cost", f"day:{day}", _to_micro(self.limits.daily_cost_usd)),
                     ("hourly_cost", f"hour:{hour}", _to_micro(self.limits.hourly_cost_usd))]
        keys = [f"day:{day}", f"hour:{hour}"]
        if category is not None and category_daily_tokens is not None:
            keys.append(f"cat:{category}:day:{day}")
            caps.append(("category_tokens", keys[-1], category_daily_tokens))

        expires_at = now.timestamp() + self.hold_ttl_s if self.hold_ttl_s is not None else None

        def tx(conn: Connection) -> Reservation | Denial:
            used = self._lock_windows_reclaiming(conn, keys, now)
            day_used = used[f"day:{day}"][0]
            for name, key, cap in caps:
                if used[key][0] + tokens > cap:
                    return Denial(operation_id, f"{name} cap {cap} would be exceeded: used {used[key][0]}, asked {tokens}",
                                  name, day_used)
            for name, key, cap in cost_caps:
                if used[key][1] + micro > cap:
                    return Denial(
                        operation_id,
                        f"{name} cap ${cap / MICRO:.4f} would be exceeded: used ${used[key][1] / MICRO:.4f}, "
                        f"asked ${micro / MICRO:.4f}",
                        name, day_used,
                    )
            conn.execute(self._add_stmt, {"keys": keys, "dt": tokens, "dm": micro})
            conn.execute(self._insert_res_stmt, {
                "operation_id": operation_id, "day_key": day, "hour_key": hour, "category": category,
                "reserved_tokens": tokens, "tokens": tokens, "cost_micro_usd": micro, "status": "reserved",
                "created_at": now, "expires_at": expires_at,
            })
            return Reservation(operation_id, tokens, micro / MICRO, day, hour, category, day_used + tokens)

        def already_there(conn: Connection) -> Reservation:
            existing = self._reservation(conn, operation_id, must_exist=True)
            if existing.tokens == tokens and existing.cost_micro_usd == micro and existing.status == "reserved":
                # a retried call that already went through
                return replace(self._as_reservation(existing), daily_tokens_used=self._day_total(conn, existing.day_key))
            raise InvalidInputError(
                f"operation_id {operation_id!r} is already {existing.status} in the budget ledger; "
                "use a new operation id per allocation"
            )

        try:
            return self._run(tx, reraise=(sa.exc.IntegrityError,))
        except sa.exc.IntegrityError:  # the operation_id exists: the transaction was rolled back
            return self._run(already_there)

    def commit(self, operation_id: str, actual_tokens: int, actual_cost_usd: float = 0.0,
               *, category_daily_tokens: int | None = None) -> Settlement:
        """Move the charge from the reserved amount to the actual usage. Repeating the same commit is a no-op.

        Always records what was used, even above the hold or after the hold expired (the tokens were
        spent); the Settlement then says so (`late`, `over_reservation`, `over_caps`) for the alarm."""
        _check_id(operation_id)
        actual_tokens = _check_tokens(actual_tokens)
        micro = _to_micro(actual_cost_usd)

        def tx(conn: Connection) -> Settlement:
            row = self._reservation(conn, operation_id, lock=True, must_exist=True)
            if row.status == "committed" and row.tokens == actual_tokens and row.cost_micro_usd == micro:
                return Settlement(operation_id, row.reserved_tokens, actual_tokens, micro / MICRO,
                                  self._day_total(conn, row.day_key))
            if row.status not in ("reserved", "expired"):
                raise InvalidInputError(f"operation {operation_id!r} is already {row.status}; it cannot be committed again")
            late = row.status == "expired"
            charged_tokens, charged_micro = (0, 0) if late else (row.tokens, row.cost_micro_usd)  # expired: given back
            keys = self._row_keys(row)
            used = self._lock_windows(conn, keys)
            dt, dm = actual_tokens - charged_tokens, micro - charged_micro
            conn.execute(self._add_stmt, {"keys": keys, "dt": dt, "dm": dm})
            conn.execute(self._set_res_stmt, {"op": operation_id, "tokens": actual_tokens, "micro": micro, "status": "committed"})
            after = {k: (t + dt, m + dm) for k, (t, m) in used.items()}
            over = self._caps_over(after, row.day_key, row.hour_key, row.category, category_daily_tokens)
            return Settlement(operation_id, row.reserved_tokens, actual_tokens, micro / MICRO,
                              after[f"day:{row.day_key}"][0], late, over)

        return self._run(tx)

    def _caps_over(self, after: dict[str, tuple[int, int]], day: str, hour: str, category: str | None,
                   category_daily_tokens: int | None) -> tuple[str, ...]:
        checks = [("daily_tokens", after[f"day:{day}"][0], self.limits.daily_tokens),
                  ("hourly_tokens", after[f"hour:{hour}"][0], self.limits.hourly_tokens),
                  ("daily_cost", after[f"day:{day}"][1], _to_micro(self.limits.daily_cost_usd)),
                  ("hourly_cost", after[f"hour:{hour}"][1], _to_micro(self.limits.hourly_cost_usd))]
        if category is not None and category_daily_tokens is not None:
            checks.append(("category_tokens", after[f"cat:{category}:day:{day}"][0], category_daily_tokens))
        return tuple(name for name, value, cap in checks if value > cap)

    def release(self, operation_id: str) -> None:
        """Give a reservation back (the call was not made). Releasing twice is a no-op."""
        _check_id(operation_id)

        def tx(conn: Connection) -> None:
            row = self._reservation(conn, operation_id, lock=True, must_exist=True)
            if row.status in ("released", "expired"):  # expired: already given back
                return
            if row.status != "reserved":
                raise InvalidInputError(f"operation {operation_id!r} is already {row.status}; record its usage instead")
            keys = self._row_keys(row)
            self._lock_windows(conn, keys)
            conn.execute(self._add_stmt, {"keys": keys, "dt": -row.tokens, "dm": -row.cost_micro_usd})
            conn.execute(self._set_res_stmt, {"op": operation_id, "tokens": row.tokens, "micro": row.cost_micro_usd,
                                              "status": "released"})

        self._run(tx)

    def reservation(self, operation_id: str) -> Reservation | None:
        def tx(conn: Connection) -> Reservation | None:
            row = self._reservation(conn, operation_id)
            return self._as_reservation(row) if row is not None else None

        return self._run(tx, read_only=True)

    def usage(self, now: datetime | None = None) -> Usage:
        day, hour = window_keys(now or datetime.now(UTC))

        moment = now or datetime.now(UTC)
        day, hour = window_keys(moment)

        def tx(conn: Connection) -> dict[str, tuple[int, int]]:
            keys = [f"day:{day}", f"hour:{hour}"]
            rows = conn.execute(self._read_windows_stmt, {"keys": keys}).all()
            got = {r.window_key: (r.tokens_used, r.cost_micro_usd) for r in rows}
            return self._less_unswept(conn, got, moment, day=day, hour=hour)

        got = self._run(tx, read_only=True)
        d, h = got.get(f"day:{day}", (0, 0)), got.get(f"hour:{hour}", (0, 0))
        return Usage(day, hour, d[0], h[0], d[1] / MICRO, h[1] / MICRO, self.limits)

    def category_tokens(self, category: str, now: datetime | None = None) -> int:
        moment = now or datetime.now(UTC)
        day, _ = window_keys(moment)
        key = f"cat:{category}:day:{day}"

        def tx(conn: Connection) -> dict[str, tuple[int, int]]:
            rows = conn.execute(self._read_windows_stmt, {"keys": [key]}).all()
            got = {r.window_key: (r.tokens_used, r.cost_micro_usd) for r in rows}
            return self._less_unswept(conn, got, moment, day=day, category=category)

        return self._run(tx, read_only=True).get(key, (0, 0))[0]

    def outstanding(self, now: datetime | None = None) -> Outstanding:
        """The holds not yet committed or released (for `cert health`)."""
        moment = (now or datetime.now(UTC)).timestamp()
        r = self.reservations
        stmt = sa.select(r.c.tokens, r.c.created_at, r.c.expires_at).where(r.c.status == "reserved")
        rows = self._run(lambda conn: conn.execute(stmt).all(), read_only=True)
        if not rows:
            return Outstanding(0, 0, 0, 0.0)
        oldest = min(_epoch(row.created_at) for row in rows)
        expired = sum(1 for row in rows if row.expires_at is not None and row.expires_at <= moment)
        return Outstanding(len(rows), sum(row.tokens for row in rows), expired, round(max(0.0, moment - oldest), 3))

    def _less_unswept(self, conn: Connection, got: dict[str, tuple[int, int]], now: datetime, *, day: str,
                      hour: str | None = None, category: str | None = None) -> dict[str, tuple[int, int]]:
        """Window totals without the expired holds that no writer has given back yet."""
        r = self.reservations
        rows = conn.execute(
            sa.select(r.c.day_key, r.c.hour_key, r.c.category, r.c.tokens, r.c.cost_micro_usd)
            .where(r.c.status == "reserved", r.c.expires_at <= now.timestamp(), r.c.day_key == day)
        ).all()
        out = dict(got)
        for row in rows:
            for key in self._row_keys(row):
                if key in out and (key.startswith("day:") or key == f"hour:{hour}"
                                   or (category is not None and key == f"cat:{category}:day:{day}")):
                    t, m = out[key]
                    out[key] = (t - row.tokens, m - row.cost_micro_usd)
        return out

    def drop_tables(self) -> None:
        """For tests and tear-down: remove this ledger's tables."""
        self._run_plain(lambda conn: self._meta.drop_all(conn))

    def dispose(self) -> None:
        self.engine.dispose()

    # -- internals -------------------------------------------------------------------------------

    def _build_statements(self) -> None:
        # Built once: constructing Core statements costs more than running them on a busy machine.
        w, r = self.windows, self.reservations
        insert = (sqlite.insert if self._is_sqlite else postgresql.insert)(w)
        self._ensure_stmt = insert.on_conflict_do_nothing(index_elements=["window_key"])
        lock = sa.select(w).where(w.c.window_key.in_(sa.bindparam("keys", expanding=True))).order_by(w.c.window_key)
        self._read_windows_stmt = lock
        self._lock_stmt = lock if self._is_sqlite else lock.with_for_update()  # SQLite: BEGIN IMMEDIATE locks
        self._add_stmt = w.update().where(w.c.window_key.in_(sa.bindparam("keys", expanding=True))).values(
            tokens_used=w.c.tokens_used + sa.bindparam("dt"), cost_micro_usd=w.c.cost_micro_usd + sa.bindparam("dm"))
        self._insert_res_stmt = r.insert()
        select_res = sa.select(r).where(r.c.operation_id == sa.bindparam("op"))
        self._select_res_stmt = select_res
        self._lock_res_stmt = select_res if self._is_sqlite else select_res.with_for_update()
        # every expired hold at once, so the cap check that follows is exact (large only after a crash)
        expired = sa.select(r).where(r.c.status == "reserved", r.c.expires_at <= sa.bindparam("now"))
        self._expired_stmt = expired if self._is_sqlite else expired.with_for_update(skip_locked=True)
        self._set_res_stmt = r.update().where(r.c.operation_id == sa.bindparam("op")).values(
            tokens=sa.bindparam("tokens"), cost_micro_usd=sa.bindparam("micro"), status=sa.bindparam("status"))

    def _lock_windows_reclaiming(self, conn: Connection, keys: list[str], now: datetime) -> dict[str, tuple[int, int]]:
        """Lock the windows of a new reservation, giving back the expired holds on the way (one lock order)."""
        expired = conn.execute(self._expired_stmt, {"now": now.timestamp()}).all()
        all_keys = set(keys) | {k for row in expired for k in self._row_keys(row)}
        used = self._lock_windows(conn, sorted(all_keys))
        for row in expired:
            row_keys = self._row_keys(row)
            conn.execute(self._add_stmt, {"keys": row_keys, "dt": -row.tokens, "dm": -row.cost_micro_usd})
            conn.execute(self._set_res_stmt, {"op": row.operation_id, "tokens": row.tokens,
                                              "micro": row.cost_micro_usd, "status": "expired"})
            for k in row_keys:
                t, m = used[k]
                used[k] = (t - row.tokens, m - row.cost_micro_usd)
        if expired:
            log.warning("budget holds expired uncommitted (their process ended) and no longer count",
                        extra={"holds": len(expired), "tokens": sum(r.tokens for r in expired)})
        return used

    def _lock_windows(self, conn: Connection, keys: list[str]) -> dict[str, tuple[int, int]]:
        ordered = sorted(set(keys))  # one lock order for everyone: no deadlocks
        conn.execute(self._ensure_stmt, [{"window_key": k, "tokens_used": 0, "cost_micro_usd": 0} for k in ordered])
        return {row.window_key: (row.tokens_used, row.cost_micro_usd) for row in conn.execute(self._lock_stmt, {"keys": ordered})}

    def _reservation(self, conn: Connection, operation_id: str, *, lock: bool = False, must_exist: bool = False):
        row = conn.execute(self._lock_res_stmt if lock else self._select_res_stmt, {"op": operation_id}).first()
        if row is None and must_exist:
            raise InvalidInputError(f"no reservation {operation_id!r} in the budget ledger; reserve before commit/release")
        return row

    def _day_total(self, conn: Connection, day: str) -> int:
        rows = conn.execute(self._read_windows_stmt, {"keys": [f"day:{day}"]}).all()
        return rows[0].tokens_used if rows else 0

    @staticmethod
    def _row_keys(row: Any) -> list[str]:
        keys = [f"day:{row.day_key}", f"hour:{row.hour_key}"]
        return keys + ([f"cat:{row.category}:day:{row.day_key}"] if row.category is not None else [])

    @staticmethod
    def _as_reservation(row: Any) -> Reservation:
        return Reservation(row.operation_id, row.tokens, row.cost_micro_usd / MICRO, row.day_key, row.hour_key, row.category)

    def _ensure_tables(self) -> None:
        if self._ready:
            return
        for attempt in range(3):  # several processes may create the tables at the same moment
            try:
                with self.engine.begin() as conn:
                    self._meta.create_all(conn, checkfirst=True)
                    self._add_missing_columns(conn)
                break
            except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
                if attempt == 2:
                    raise
        self._ready = True

    def _add_missing_columns(self, conn: Connection) -> None:
        """A ledger made before holds expired lacks `expires_at`: add it (its old holds never expire)."""
        have = {c["name"] for c in sa.inspect(conn).get_columns(self.reservations.name)}
        if "expires_at" not in have:
            conn.execute(sa.text(f"ALTER TABLE {self.reservations.name} ADD COLUMN expires_at FLOAT"))

    def _run(
        self, fn: Callable[[Connection], T], reraise: tuple[type[Exception], ...] = (), read_only: bool = False
    ) -> T:
        """One transaction (BEGIN IMMEDIATE on SQLite unless read-only); SQLAlchemy errors become a ResourceError."""
        try:
            self._ensure_tables()
            with self.engine.connect() as conn:
                conn.execution_options(cert_read_only=read_only)
                with conn.begin():
                    return fn(conn)
        except reraise:
            raise
        except sa.exc.SQLAlchemyError as exc:
            raise self._resource_error(exc) from exc

    def _run_plain(self, fn: Callable[[Connection], T]) -> T:
        try:
            with self.engine.begin() as conn:
                return fn(conn)
        except sa.exc.SQLAlchemyError as exc:
            raise self._resource_error(exc) from exc

    def _resource_error(self, exc: Exception) -> ResourceError:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        return ResourceError(
            f"budget ledger at {self.url_for_messages} failed ({type(exc).__name__}: {detail}); check that the "
            "database is reachable and writable (CERT_LEDGER_URL)",
            context={"url": self.url_for_messages},
        )


def _configure_sqlite(engine: sa.Engine, busy_timeout_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # IMMEDIATE takes the write lock up front: the read-check-write of a reservation cannot interleave.
        # Pure reads use a deferred BEGIN so they never queue behind writers (WAL readers see a snapshot).
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("cert_read_only") else "BEGIN IMMEDIATE")


def _check_id(operation_id: str) -> None:
    if not isinstance(operation_id, str) or not operation_id.strip() or len(operation_id) > 200:
        raise InvalidInputError(f"operation_id must be a non-empty string of at most 200 characters, got {operation_id!r}")


def _check_tokens(tokens: Any) -> int:
    if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 0:
        raise InvalidInputError(f"tokens must be a whole number >= 0, got {tokens!r}")
    return tokens


def _to_micro(cost_usd: Any) -> int:
    if isinstance(cost_usd, bool) or not isinstance(cost_usd, (int, float)) or not math.isfinite(cost_usd) or cost_usd < 0:
        raise InvalidInputError(f"cost_usd must be a finite amount >= 0, got {cost_usd!r}")
    return round(cost_usd * MICRO)


def _epoch(value: Any) -> float:
    """A stored created_at as epoch seconds (SQLite hands back naive datetimes, which are UTC here)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
