"""BreakerRegistry: the named circuit breakers of circuit_breakers.yaml, one instance per name."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from ..config.circuit_breakers import BreakerConfig, CircuitBreakersConfig
from ..errors import InvalidInputError
from .circuit_breaker import BreakerState, CircuitBreaker, default_is_failure


class BreakerRegistry:
    def __init__(
        self,
        configs: Mapping[str, BreakerConfig],
        *,
        clock: Callable[[], float] = time.monotonic,
        is_failure: Callable[[BaseException], bool] = default_is_failure,
    ) -> None:
        self._breakers = {
            name: CircuitBreaker(name, cfg, clock=clock, is_failure=is_failure) for name, cfg in configs.items()
        }

    @classmethod
    def from_config(
        cls,
        cfg: CircuitBreakersConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        is_failure: Callable[[BaseException], bool] = default_is_failure,
    ) -> BreakerRegistry:
        return cls(cfg.circuit_breakers, clock=clock, is_failure=is_failure)

    def get(self, name: str) -> CircuitBreaker:
        try:
            return self._breakers[name]
        except KeyError:
            raise InvalidInputError(
                f"unknown circuit breaker {name!r}; configured in circuit_breakers.yaml: {', '.join(sorted(self._breakers))}"
            ) from None

    def states(self) -> dict[str, BreakerState]:
        return {name: b.get_state() for name, b in sorted(self._breakers.items())}
