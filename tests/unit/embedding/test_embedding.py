"""Consensus from one batched encode equals the mean pairwise cosine computed directly, to 1e-6."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cert_core.embedding import EmbeddingService, default_model_path, mean_pairwise_cosine

RESPONSES = [
    "The answer is 42 because six times seven is forty-two.",
    "Six multiplied by seven gives 42.",
    "I believe the result is 41.",
    "Paris is the capital of France.",
]


@pytest.fixture(scope="module")
def direct_model():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(default_model_path(), device="cpu")


@pytest.mark.parametrize("n", [2, 3, 4])
def test_consensus_equals_the_direct_mean_pairwise_cosine_with_one_encode(direct_model, n):
    from sentence_transformers import util

    service = EmbeddingService(cache_size=16)
    texts = RESPONSES[:n]
    rate = service.consensus(texts)
    pairs = [float(util.cos_sim(direct_model.encode(a), direct_model.encode(b))) for a, b in
             itertools.combinations(texts, 2)]  # computed directly, pair by pair
    assert rate == pytest.approx(sum(pairs) / len(pairs), abs=1e-6)
    assert service.stats.model_calls == 1 and service.stats.texts_encoded == n  # one batch, not one per pair


def test_the_cache_is_bounded_and_reused():
    service = EmbeddingService(cache_size=3)
    service.encode(RESPONSES[:3])
    service.encode(RESPONSES[:2])  # all cached: no model call
    assert service.stats.model_calls == 1 and service.stats.cache_hits == 2
    service.encode(RESPONSES[3:])
    assert service.cache_len() == 3 and service.stats.model_calls == 2
    again = service.encode([RESPONSES[2], RESPONSES[2]])  # a duplicate in one batch is encoded once
    assert again.shape == (2, 384) and np.allclose(again[0], again[1])


def test_long_responses_are_counted_as_truncated():
    service = EmbeddingService(cache_size=0)
    long = "word " * 400  # about 400 word pieces: past the model's 256
    assert service.max_seq_length == 256
    assert service.count_truncated([long, "short", long]) == 2
    assert service.count_truncated([]) == 0


def test_mean_pairwise_cosine_by_hand():
    vectors = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    # pairs: (1,2) 0, (1,3) 1/sqrt2, (2,3) 1/sqrt2
    assert mean_pairwise_cosine(vectors) == pytest.approx((2 / np.sqrt(2)) / 3)
    assert mean_pairwise_cosine(vectors[:1]) is None
    assert EmbeddingService(cache_size=0).consensus(["only one"]) is None
