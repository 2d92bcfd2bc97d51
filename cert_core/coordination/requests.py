"""What defines one measurement, its cache key, and the checks on a run's arguments.

The cache key of a baseline covers the task text (and its reference, which the reference judge
scores against), num_agents, backend, model, temperature and max_tokens, the prompt templates,
the judge and config_version. A strategy's key adds the strategy, its templates and (for debate)
the rounds. The run id is never part of a key. The key is a SHA-256 of canonical JSON; a value
that has no canonical JSON form (an object, NaN, a string that is not valid Unicode) is an
InvalidInputError naming the field, raised when the run is planned, so it fails the run rather than
quietly caching under a weaker key.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..config.coordination import CoordinationConfig
from ..errors import InvalidInputError
from .strategies import STRATEGIES, get_strategy
from .types import CoordinationTask

__all__ = ["BASELINE", "MeasurementRequest", "make_request", "parse_strategies", "stable_key", "validate_run"]

BASELINE = "baseline"
KEY_VERSION = 1  # bump when the meaning of a cached measurement changes


@dataclass(frozen=True)
class MeasurementRequest:
    """One task measured one way (the baseline or a strategy); ``cache_key`` is its Prefect cache key."""

    task: CoordinationTask
    strategy: str
    num_agents: int
    rounds: int
    backend: str
    model: str
    judge: str  # the judge's identity (part of the key)
    judge_name: str  # llm | reference
    config_version: str
    cache_key: str


def _canonical(value: Any, path: str) -> Any:
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _unhashable(path, f"the number {value!r} has no canonical form")
        return value
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _unhashable(path, f"the text is not valid Unicode (a lone surrogate at character {exc.start})") from exc
        return value
    if isinstance(value, (list, tuple)):
        return [_canonical(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise _unhashable(path, f"the key {k!r} is not a string")
            out[k] = _canonical(v, f"{path}.{k}")
        return out
    raise _unhashable(path, f"a {type(value).__name__} has no canonical form")


def _unhashable(path: str, why: str) -> InvalidInputError:
    return InvalidInputError(
        f"cannot compute the cache key: {path}: {why}; fix that input (or its config) so the measurement "
        "can be cached under a key that covers it",
        context={"field": path},
    )


def stable_key(material: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``material`` (InvalidInputError for anything without one)."""
    canonical = _canonical(dict(material), "key")
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_request(
    task: CoordinationTask,
    strategy: str,
    *,
    num_agents: int,
    rounds: int,
    backend: str,
    model: str,
    judge: str,
    judge_name: str,
    config: CoordinationConfig,
    config_version: str,
) -> MeasurementRequest:
    agent = config.agent
    material: dict[str, Any] = {
        "v": KEY_VERSION,
        "kind": "coordination-baseline" if strategy == BASELINE else "coordination-strategy",
        "task": task.task,
        "reference": task.reference,
        "num_agents": num_agents,
        "backend": backend,
        "model": model,
        "temperature": agent.temperature,
        "max_tokens": agent.max_tokens,
        "prompt_template": [agent.system_prompt, agent.template],
        "judge": judge,
        "config_version": config_version,
    }
    if strategy != BASELINE:
        uses_rounds = get_strategy(strategy).uses_rounds
        rounds = rounds if uses_rounds else 1
        agg = config.aggregator
        material |= {
            "strategy": strategy,
            "rounds": rounds,
            "strategy_templates": [config.sequential_template, config.debate_template, agg.system_prompt,
                                   agg.template, agg.temperature, agg.max_tokens, config.vote.consensus_threshold,
                                   config.quote_answers],
        }
    else:
        rounds = 0
    return MeasurementRequest(task, strategy, num_agents, rounds, backend, model, judge, judge_name,
                              config_version, stable_key(material))


def parse_strategies(strategy: str | Sequence[str]) -> tuple[str, ...]:
    """"debate", "sequential,parallel", ["debate"] or "all"; every run adds the vote control."""
    names: Iterable[Any] = strategy.split(",") if isinstance(strategy, str) else strategy
    chosen: list[str] = []
    for raw in names:
        name = str(raw).strip().lower()
        if not name:
            continue
        if name == "all":
            chosen.extend(sorted(n for n in STRATEGIES if n != "vote"))
            continue
        get_strategy(name)  # raises for an unknown name, listing the known ones
        chosen.append(name)
    if not chosen:
        raise InvalidInputError(f"no strategy given; choose from {', '.join(sorted(STRATEGIES))} or 'all'")
    ordered = list(dict.fromkeys(chosen))
    return tuple(n for n in ordered if n != "vote") + ("vote",)


def validate_run(config: CoordinationConfig, num_agents: Any, rounds: Any, strategy: str | Sequence[str]) -> tuple[str, ...]:
    """Check a run's arguments against the config; returns the strategies to run (vote last)."""
    for name, value, top, setting in (("num_agents", num_agents, config.max_agents, "max_agents"),
                                      ("rounds", rounds, config.max_rounds, "max_rounds")):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            raise InvalidInputError(
                f"{name} must be a whole number from 1 to {top} (coordination.{setting}), got {value!r}",
                context={name: repr(value)},
            )
    return parse_strategies(strategy)
