"""What every chain family shares: a problem with worked steps, and the four labelled corruptions.

A family module defines NAME, OFF_TOPIC (sentences that have nothing to do with its problems) and
``problem(rng, calc)``, which draws one problem and states each computed result through
``calc(value, step)`` so that a wrong-arithmetic slip can be replayed into exactly one result
(later steps carry the wrong value on, as a real slip would). The last step states the answer and
always stays last.

Corruptions (``bad_step`` = index of the corrupted step):
  wrong_arithmetic  one computed result is off by a small amount
  off_topic         an unrelated sentence is inserted
  swapped           a later step is moved up before an earlier one (bad_step = where it landed)
  repeated          an earlier step is copied again further on (bad_step = the copy)
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

CORRUPTIONS = ("wrong_arithmetic", "off_topic", "swapped", "repeated")


@dataclass(frozen=True)
class Problem:
    question: str
    steps: list[str]
    arithmetic_steps: list[int] = field(default_factory=list)  # step index of each computed result, in order


class Calc:
    """Records computed results; the one at ``wrong_at`` is off by ``delta``."""

    def __init__(self, wrong_at: int | None = None, delta: int = 0) -> None:
        self.wrong_at, self.delta = wrong_at, delta
        self.steps: list[int] = []

    def __call__(self, value: int, step: int) -> int:
        if self.wrong_at == len(self.steps):
            value += self.delta
        self.steps.append(step)
        return value


def good_chain(family: ModuleType, rng: random.Random) -> Problem:
    return family.problem(rng, Calc())


def _negative(problem: Problem) -> bool:
    return any(re.search(r"(^|[\s(])[-−]\d", s) for s in [problem.question, *problem.steps])


def corrupted_chain(family: ModuleType, rng: random.Random, kind: str) -> tuple[Problem, int]:
    if kind == "wrong_arithmetic":
        state = rng.getstate()
        clean = family.problem(rng, Calc())
        which = rng.randrange(len(clean.arithmetic_steps))
        delta = rng.choice([d for d in range(-9, 10) if d != 0])
        rng.setstate(state)  # the same draws again, this time with the slip
        bad = family.problem(rng, Calc(which, delta))
        rng.random()  # move the stream past the replayed draws
        if _negative(bad) or bad.steps == clean.steps:  # a slip never makes negative counts
            return corrupted_chain(family, rng, kind)
        return bad, bad.arithmetic_steps[which]
    base = family.problem(rng, Calc())
    steps = list(base.steps)
    body = len(steps) - 1  # the final answer stays last
    if kind == "off_topic":
        k = rng.randrange(1, len(steps))
        steps.insert(k, rng.choice(family.OFF_TOPIC))
        return Problem(base.question, steps), k
    if kind == "swapped":
        j = rng.randrange(1, body)
        i = rng.randrange(0, j)
        steps.insert(i, steps.pop(j))
        return Problem(base.question, steps), i
    if kind == "repeated":
        i = rng.randrange(0, body)
        k = rng.randrange(i + 1, body + 1)  # anywhere after the original, before the answer
        steps.insert(k, steps[i])
        return Problem(base.question, steps), k
    raise ValueError(f"unknown corruption {kind!r}")


def chain_rows(families: Sequence[ModuleType], n_good: int, n_per_corruption: int, seed: int,
               prefix: str, corruptions: Sequence[str] = CORRUPTIONS) -> list[dict]:
    """Good and corrupted chains drawn evenly from the given families, shuffled, with ids."""
    rng = random.Random(seed)
    rows = []
    for i in range(n_good):
        family = families[i % len(families)]
        p = good_chain(family, rng)
        rows.append({"question": p.question, "steps": p.steps, "bad_step": None, "corruption": None,
                     "family": family.NAME})
    for kind in corruptions:
        for i in range(n_per_corruption):
            family = families[i % len(families)]
            p, bad = corrupted_chain(family, rng, kind)
            rows.append({"question": p.question, "steps": p.steps, "bad_step": bad, "corruption": kind,
                         "family": family.NAME})
    rng.shuffle(rows)
    return [{"chain_id": f"{prefix}-{i:04d}", **row} for i, row in enumerate(rows)]


def write_jsonl(path: Path, rows: Sequence[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    print(f"wrote {len(rows)} chains to {path}")


