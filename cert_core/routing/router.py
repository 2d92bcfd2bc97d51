"""RuntimeRouter: choose a micro-overlay for a scenario from its category, complexity and text.

Score of a candidate overlay (weights from scenario_profiles.routing_weights, normalised):
  category   1.0 for the category's first primary overlay, minus 0.2 per later position
  keywords   h / (h + 2) for h distinct overlay keywords found in description, context and prompt
  complexity 1.0 if the overlay's preferred level is the scenario's, 0.5 if adjacent, else 0
The best score is the confidence; the other candidates, best first, are the fallbacks.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from ..config import CertConfig
from ..config.scenario_profiles import ScenarioProfiles
from ..errors import InvalidInputError, ResourceLoadError
from ..observability.metrics import METRICS
from ..resources import process_resource
from .decision import RoutingDecision
from .overlay import MicroOverlay, load_overlay
from ..io.ids import SeenIds
from ..io.scenario_source import RawRow
from .scenario import Scenario
from .validation import ScenarioReject, ValidRow, duplicate_reject, validate_row

_LEVELS = ("low", "medium", "high")


def _keyword_pattern(keywords: list[str]) -> re.Pattern[str] | None:
    if not keywords:
        return None
    # a keyword matches at a word start, so "compensat" finds "compensation"
    return re.compile(r"\b(" + "|".join(re.escape(k.lower()) for k in keywords) + ")", re.IGNORECASE)


class RuntimeRouter:
    def __init__(self, profiles: ScenarioProfiles, overlays: Mapping[str, MicroOverlay]) -> None:
        if not overlays:
            raise ResourceLoadError("no micro-overlays are loaded; add files to configs/fusion/micro_overlays/")
        self.profiles = profiles
        self.overlays = dict(overlays)
        self._patterns = {
            name: _keyword_pattern(profiles.overlays[name].keywords) if name in profiles.overlays else None
            for name in self.overlays
        }

    @classmethod
    def from_config(cls, config: CertConfig) -> RuntimeRouter:
        names = sorted({n for c in config.scenario_profiles.categories.values() for n in c.primary_overlays})
        return cls(config.scenario_profiles, {n: load_overlay(config.overlays_dir, n) for n in names})

    @property
    def categories(self) -> list[str]:
        return list(self.profiles.categories)

    def _keyword_hits(self, name: str, text: str) -> int:
        pattern = self._patterns.get(name)
        return len({m.lower() for m in pattern.findall(text)}) if pattern and text else 0

    def route_scenario(self, scenario: Scenario | Mapping) -> RoutingDecision:
        started = time.perf_counter()
        if not isinstance(scenario, Scenario):
            scenario = Scenario.from_mapping(scenario, categories=self.categories)
        profile = self.profiles.categories.get(scenario.category)
        if profile is None:
            raise InvalidInputError(
                f"unknown category {scenario.category!r}; use one of {', '.join(self.categories)}",
                context={"scenario_id": scenario.id},
            )
        level = self.profiles.complexity_levels.level_of(scenario.complexity)
        candidates = [n for n in profile.primary_overlays if n in self.overlays]
        fell_back = not candidates
        if fell_back:
            candidates = sorted(self.overlays)
        text = " ".join((scenario.description, scenario.context, scenario.prompt))
        w = self.profiles.routing_weights
        total_weight = (w.category + w.keywords + w.complexity) or 1.0
        scores, hits = {}, {}
        for position, name in enumerate(candidates):
            hits[name] = self._keyword_hits(name, text)
            preferred = self.profiles.overlays[name].preferred_complexity if name in self.profiles.overlays else "medium"
            distance = abs(_LEVELS.index(preferred) - _LEVELS.index(level))
            category_score = 0.0 if fell_back else max(0.0, 1.0 - 0.2 * position)
            keyword_score = hits[name] / (hits[name] + 2)
            complexity_score = (1.0, 0.5, 0.0)[distance]
            scores[name] = (w.category * category_score + w.keywords * keyword_score + w.complexity * complexity_score) / total_weight
        ranked = sorted(candidates, key=lambda n: (-scores[n], candidates.index(n)))
        selected, confidence = ranked[0], round(min(1.0, max(0.0, scores[ranked[0]])), 4)
        reasoning = "; ".join(
            [
                f"Category '{scenario.category}' → primary candidates: {candidates}"
                + (" (none loaded; using all overlays)" if fell_back else ""),
                f"Complexity {scenario.complexity:.2f} → {level} complexity level",
                "Keyword hits: " + ", ".join(f"{n}={hits[n]}" for n in candidates),
                f"Selected '{selected}' with confidence {confidence:.2f}",
            ]
        )
        METRICS.routing_latency.observe(time.perf_counter() - started)
        METRICS.routing_decisions.labels(selected, scenario.category).inc()
        return RoutingDecision(
            scenario_id=scenario.id,
            category=scenario.category,
            complexity=scenario.complexity,
            complexity_level=level,
            selected_overlay=selected,
            confidence=confidence,
            reasoning=reasoning,
            fallback_options=ranked[1:],
            routing_timestamp=datetime.now(timezone.utc).isoformat(),
            scores={n: round(s, 4) for n, s in scores.items()},
        )

    def apply_overlay(self, base_prompt: str, overlay_name: str) -> str:
        """Append the overlay's rendered directives to ``base_prompt``."""
        if not isinstance(base_prompt, str) or not base_prompt.strip():
            raise InvalidInputError("base_prompt is empty; pass the prompt text to enhance")
        overlay = self.overlays.get(overlay_name)
        if overlay is None:
            raise InvalidInputError(
                f"unknown overlay {overlay_name!r}; loaded overlays are {', '.join(sorted(self.overlays))}"
            )
        return f"{base_prompt.rstrip()}\n\n{overlay.render()}\n"


@dataclass(frozen=True)
class RoutedChunk:
    """One chunk of input rows, each validated once: the routed ones with their decisions, in input
    order, and the rejects (a container so Prefect links it as one object)."""

    pairs: list[tuple[ValidRow, RoutingDecision]]
    rejects: list[ScenarioReject]

    @property
    def decisions(self) -> list[RoutingDecision]:
        return [d for _, d in self.pairs]


def route_chunk(router: RuntimeRouter, rows: Sequence[RawRow]) -> RoutedChunk:
    """Validate each row (once) and route the valid ones."""
    categories = list(router.profiles.categories)
    pairs, rejects = [], []
    for row in rows:
        checked = validate_row(row, categories)
        if isinstance(checked, ValidRow):
            pairs.append((checked, router.route_scenario(checked.scenario)))
        else:
            rejects.append(checked)
    return RoutedChunk(pairs, rejects)


def drop_duplicates(chunk: RoutedChunk, seen: SeenIds) -> RoutedChunk:
    """The chunk with any id already in ``seen`` turned into a reject; call it in input order."""
    pairs, rejects = [], list(chunk.rejects)
    for row, decision in chunk.pairs:
        duplicate = duplicate_reject(row, seen)
        if duplicate is None:
            pairs.append((row, decision))
        else:
            rejects.append(duplicate)
    if len(rejects) == len(chunk.rejects):
        return chunk
    return RoutedChunk(pairs, sorted(rejects, key=lambda r: r.row_number))


def cached_router(config: CertConfig) -> RuntimeRouter:
    """One router per process and config version (a process resource), so chunks do not re-read overlay files."""
    return process_resource(("router", str(config.config_dir), config.config_version),
                            lambda: RuntimeRouter.from_config(config))
