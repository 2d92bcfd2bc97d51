"""Score a batch of chains end to end: validate, score (cached), assess, one result per chain.

``TrajectorySettings`` is the picklable, hashable slice of config that a worker needs; each
process keeps one analyzer (and so one model and one score cache) per settings value, so a
worker loads the model once however many chunks it runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ..config import CertConfig
from ..config.trajectory import CalibratedThresholds
from ..observability import METRICS, get_logger
from .cache import ScoreCache
from .calibration import calibrate
from .chain_input import ChainInput, ChainReject
from .model_resource import release_shared_resources, shared_resource
from .quality import assess_chain
from .results import ChainResult
from .scoring import ChainFailure, ChainScore, ChainScorer, LogitsSource

__all__ = ["TrajectoryAnalyzer", "TrajectorySettings", "chunk_failure_results", "get_analyzer", "reject_results",
           "reset_analyzers"]

log = get_logger("cert.trajectory.analyzer")
SERVICE = "trajectory"


@dataclass(frozen=True)
class TrajectorySettings:
    model: str
    device: str = "auto"
    load_in_8bit: bool = False
    batch_size: int = 8
    max_chain_length: int = 64
    batch_timeout_s: float | None = 120.0
    cache_size: int = 1024
    step_separator: str = "\n"
    max_context_tokens: int | None = None
    window_stride: int | None = None
    anomaly_percentile: str = "p99"
    thresholds: CalibratedThresholds | None = None

    @classmethod
    def from_config(cls, config: CertConfig, model: str | None = None, batch_size: int | None = None,
                    **overrides) -> TrajectorySettings:
        section = config.trajectory
        model_id = model or section.model
        values = dict(
            model=model_id, device=section.device, load_in_8bit=section.load_in_8bit,
            batch_size=batch_size or section.batch_size, max_chain_length=section.max_chain_length,
            batch_timeout_s=section.batch_timeout_s, cache_size=section.cache_size,
            step_separator=section.step_separator, max_context_tokens=section.max_context_tokens,
            window_stride=section.window_stride, anomaly_percentile=section.anomaly_percentile,
            thresholds=section.thresholds.get(model_id),
        )
        values.update(overrides)
        return cls(**values)

    @property
    def scoring_key(self) -> tuple:
        """Settings that pick the model and cache (thresholds apply after scoring)."""
        return (self.model, self.device, self.load_in_8bit, self.step_separator,
                self.max_context_tokens, self.window_stride, self.cache_size)


class TrajectoryAnalyzer:
    def __init__(self, settings: TrajectorySettings, source: LogitsSource | None = None,
                 cache: ScoreCache[ChainScore] | None = None) -> None:
        self.settings = settings
        self.source = source or shared_resource(settings.model, settings.device, settings.load_in_8bit)
        self.cache = cache if cache is not None else ScoreCache(settings.cache_size)
        if settings.thresholds is None:
            log.info("no calibrated thresholds for this model; anomaly scores stay null "
                     "(run `cert trajectory calibrate --chains GOOD.jsonl`)", extra={"model": settings.model})

    def _scorer(self, s: TrajectorySettings) -> ChainScorer:
        return ChainScorer(
            self.source, batch_size=s.batch_size, separator=s.step_separator, max_context=s.max_context_tokens,
            stride=s.window_stride, cache=self.cache, timeout_s=s.batch_timeout_s,
        )

    def score(self, chains: Sequence[ChainInput], settings: TrajectorySettings | None = None,
              ) -> list[ChainScore | ChainFailure]:
        """Raw scores (no quality check), e.g. for calibration."""
        return self._scorer(settings or self.settings).score(chains)

    def calibrate(self, good_chains: Sequence[ChainInput], statistic: str = "surprise",
                  chains_file: str | None = None) -> CalibratedThresholds:
        """Thresholds from known-good chains (chains that fail to score are left out)."""
        scores = [s for s in self.score(good_chains) if isinstance(s, ChainScore)]
        return calibrate(scores, statistic, chains_file)

    def analyze(self, chains: Sequence[ChainInput], settings: TrajectorySettings | None = None) -> list[ChainResult]:
        """One ChainResult per chain, in order; per-chain failures are error results, never raised."""
        s = settings or self.settings
        start = time.perf_counter()
        with METRICS.request_duration.labels(service=SERVICE, operation="analyze_batch").time():
            scored = self._scorer(s).score(chains)
        results = []
        for outcome in scored:
            if isinstance(outcome, ChainFailure):
                results.append(ChainResult.error(outcome.chain_id, s.model, outcome.error_type, outcome.error_message))
                METRICS.request_errors.labels(service=SERVICE, error_type=outcome.error_type).inc()
            else:
                results.append(assess_chain(outcome, s.model, s.thresholds, s.anomaly_percentile))
            METRICS.requests_total.labels(service=SERVICE, status=results[-1].status).inc()
        log.info("trajectory batch scored", extra={
            "model": s.model, "chains": len(chains), "errors": sum(r.status == "error" for r in results),
            "duration_s": round(time.perf_counter() - start, 3),
        })
        return results


_ANALYZERS: dict[tuple, TrajectoryAnalyzer] = {}
_ANALYZERS_LOCK = threading.Lock()


def get_analyzer(settings: TrajectorySettings) -> TrajectoryAnalyzer:
    """This process's analyzer for these scoring settings (model loaded once, cache shared)."""
    with _ANALYZERS_LOCK:
        analyzer = _ANALYZERS.get(settings.scoring_key)
        if analyzer is None:
            analyzer = _ANALYZERS[settings.scoring_key] = TrajectoryAnalyzer(settings)
    return analyzer


def reset_analyzers() -> None:
    """Forget this process's analyzers and unload their models (tests, long-lived workers)."""
    with _ANALYZERS_LOCK:
        _ANALYZERS.clear()
    release_shared_resources()


def reject_results(rejects: Sequence[ChainReject], model: str) -> list[ChainResult]:
    for reject in rejects:
        METRICS.request_errors.labels(service=SERVICE, error_type=reject.error_type).inc()
    return [ChainResult.error(r.chain_id, model, r.error_type, r.error_message) for r in rejects]


def chunk_failure_results(chains: Sequence[ChainInput], model: str, error_type: str, message: str) -> list[ChainResult]:
    """Error results for a whole chunk whose task failed or timed out."""
    return [ChainResult.error(c.chain_id, model, error_type, f"chain {c.chain_id}: {message}") for c in chains]
