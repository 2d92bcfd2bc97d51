"""Score a batch of chains end to end: validate, score (cached), assess, one result per chain.

The analyzer reads the `trajectory` config section itself (configs/fusion/trajectory.yaml, with
per-run overrides from `TrajectoryConfig.with_overrides`). Each process keeps one analyzer (and
so one model and one score cache) per scoring key as a process resource, so a worker loads the
model once however many chunks it runs, on threads, processes or Dask workers alike.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ..config.trajectory import CalibratedThresholds, TrajectoryConfig
from ..errors import ConfigError, ResourceLoadError
from ..observability import METRICS, get_logger
from ..resources import process_resource, release_process_resources
from ..statuses import ChainStatus
from .cache import ScoreCache
from .calibration import calibrate, usable_thresholds
from .chain_input import ChainInput, ChainReject
from .model_resource import model_resource
from .quality import assess_chain
from .results import ChainResult
from .scoring import ChainFailure, ChainScore, ChainScorer, LogitsSource

__all__ = ["TrajectoryAnalyzer", "chunk_failure_results", "failed_chunk_results", "get_analyzer", "reject_results",
           "reset_analyzers", "scoring_key"]

log = get_logger("cert.trajectory.analyzer")
SERVICE = "trajectory"
RUN_FATAL = (ResourceLoadError, ConfigError)  # no chunk of the run can succeed


def scoring_key(config: TrajectoryConfig) -> tuple:
    """Settings that pick the model and the cache (batch size, timeout and thresholds apply per call)."""
    return (config.model, config.device, config.load_in_8bit, config.step_separator,
            config.max_context_tokens, config.window_stride, config.cache_size)


def thresholds_for(config: TrajectoryConfig) -> CalibratedThresholds | None:
    """The model's calibration (None: uncalibrated); an old-format entry is a CalibrationFormatError."""
    return usable_thresholds(config.model, config.thresholds.get(config.model))


class TrajectoryAnalyzer:
    def __init__(self, config: TrajectoryConfig, source: LogitsSource | None = None,
                 cache: ScoreCache[ChainScore] | None = None) -> None:
        self.config = config
        self.source = source or model_resource(config.model, config.device, config.load_in_8bit)
        self.cache = cache if cache is not None else ScoreCache(config.cache_size)
        if thresholds_for(config) is None:
            log.info("no calibrated thresholds for this model; anomaly scores stay null "
                     "(run `cert trajectory calibrate --chains GOOD.jsonl`)", extra={"model": config.model})

    def _scorer(self, c: TrajectoryConfig, *, timeout_s: float | None, cache: ScoreCache | None) -> ChainScorer:
        return ChainScorer(
            self.source, batch_size=c.batch_size, separator=c.step_separator, max_context=c.max_context_tokens,
            stride=c.window_stride, cache=cache, timeout_s=timeout_s,
        )

    def calibrate(self, good_chains: Sequence[ChainInput], chains_file: str | None = None) -> CalibratedThresholds:
        """Every signal's distribution on known-good chains, every chain scored (no timeout, no
        cache); chains that fail to score are left out."""
        scorer = self._scorer(self.config, timeout_s=None, cache=None)
        scores = [s for s in scorer.score(good_chains) if isinstance(s, ChainScore)]
        return calibrate(good_chains, scores, self.config.model, chains_file)

    def analyze(self, chains: Sequence[ChainInput], config: TrajectoryConfig | None = None) -> list[ChainResult]:
        """One ChainResult per chain, in order; per-chain failures are error results, never raised."""
        c = config or self.config
        start = time.perf_counter()
        with METRICS.request_duration.labels(service=SERVICE, operation="analyze_batch").time():
            scored = self._scorer(c, timeout_s=c.batch_timeout_s, cache=self.cache).score(chains)
        thresholds = thresholds_for(c)
        results = []
        for chain, outcome in zip(chains, scored):
            if isinstance(outcome, ChainFailure):
                results.append(ChainResult.error(outcome.chain_id, c.model, outcome.error_type, outcome.error_message))
                METRICS.request_errors.labels(service=SERVICE, error_type=outcome.error_type).inc()
            else:
                results.append(assess_chain(chain, outcome, c.model, thresholds, c.anomaly_percentile,
                                            c.anomaly_signals, c.outside_margin_nats))
            METRICS.requests_total.labels(service=SERVICE, status=results[-1].status).inc()
        log.info("trajectory batch scored", extra={
            "model": c.model, "chains": len(chains), "errors": sum(r.status == ChainStatus.ERROR for r in results),
            "duration_s": round(time.perf_counter() - start, 3),
        })
        return results


def get_analyzer(config: TrajectoryConfig) -> TrajectoryAnalyzer:
    """This process's analyzer for these scoring settings (model loaded once, cache shared)."""
    return process_resource(("trajectory-analyzer", *scoring_key(config)), lambda: TrajectoryAnalyzer(config))


def reset_analyzers() -> None:
    """Forget this process's analyzers and unload their models (tests, long-lived workers)."""
    release_process_resources("trajectory-analyzer")
    release_process_resources("model")


def reject_results(rejects: Sequence[ChainReject], model: str) -> list[ChainResult]:
    for reject in rejects:
        METRICS.request_errors.labels(service=SERVICE, error_type=reject.error_type).inc()
    return [ChainResult.error(r.chain_id, model, r.error_type, r.error_message) for r in rejects]


def chunk_failure_results(chains: Sequence[ChainInput], model: str, error_type: str, message: str) -> list[ChainResult]:
    """Error results for a whole chunk whose task failed or timed out."""
    return [ChainResult.error(c.chain_id, model, error_type, f"chain {c.chain_id}: {message}") for c in chains]


def failed_chunk_results(chains: Sequence[ChainInput], model: str, error: BaseException) -> list[ChainResult]:
    """A chunk task that raised: error rows for its chains, unless no chunk can succeed (the model
    does not load, the config is bad), which fails the run with that error's message."""
    if isinstance(error, RUN_FATAL):
        raise error
    error_type = "TimeoutExceeded" if isinstance(error, TimeoutError) else getattr(error, "error_type",
                                                                                   type(error).__name__)
    return chunk_failure_results(chains, model, error_type, str(error))
