"""Sentence embeddings (the packaged all-MiniLM-L6-v2) with a bounded cache, and consensus from them."""

from .service import EmbeddingService, EncodeStats, default_model_path, mean_pairwise_cosine

__all__ = ["EmbeddingService", "EncodeStats", "default_model_path", "mean_pairwise_cosine"]
