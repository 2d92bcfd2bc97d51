"""Trajectory scoring: per-step perplexity, entropy and surprise of reasoning chains with a causal LM."""

from .analyzer import (
    TrajectoryAnalyzer,
    chunk_failure_results,
    failed_chunk_results,
    get_analyzer,
    reject_results,
    reset_analyzers,
)
from .cache import ScoreCache
from .calibration import calibrate, store_thresholds
from .chain_input import ChainFile, ChainInput, ChainReject, read_chains
from .model_resource import ModelResource, model_resource
from .results import ChainResult, StepResult, chain_rows, step_rows
from .scoring import ChainFailure, ChainScore, ChainScorer, StepScore

__all__ = [
    "ChainFailure",
    "ChainFile",
    "ChainInput",
    "ChainReject",
    "ChainResult",
    "ChainScore",
    "ChainScorer",
    "ModelResource",
    "ScoreCache",
    "StepResult",
    "StepScore",
    "TrajectoryAnalyzer",
    "calibrate",
    "chain_rows",
    "chunk_failure_results",
    "failed_chunk_results",
    "get_analyzer",
    "read_chains",
    "model_resource",
    "reject_results",
    "reset_analyzers",
    "step_rows",
]
