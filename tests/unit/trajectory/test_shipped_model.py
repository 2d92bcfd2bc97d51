"""The shipped model and tokenizer, loaded offline and trained on nothing here: do they read English?

The chains below are ordinary English on two everyday topics. No word of them appears in the
training families' chains or off-topic sentences (checked below), so a model that only knew its
templates would spell them out in single bytes at 10+ nats per token.
"""

from __future__ import annotations

import json
import random
import re

from cert_core.trajectory import ChainInput, ChainScorer, ModelResource

from .conftest import TINY_MODEL

ENGLISH = [
    ChainInput("notes", "Why should anyone keep handwritten notes friends sent?", (
        "Such notes reveal our friends' feelings decades earlier.",
        "Reading any note revives memories otherwise forgotten.",
        "Some folks discard everything while moving house.",
        "Others store notes carefully inside drawers beside beds.",
        "Overall, written words frequently outlive writers.",
    )),
    ChainInput("mornings", "Why might quiet mornings feel pleasant?", (
        "Birds sing softly outside while tea brews.",
        "Nobody rushes anywhere yet, letting thoughts settle.",
        "Daylight gradually warms bare rooms.",
        "Such calm lets everyone think clearly.",
    )),
]
MAX_NATS_PER_TOKEN = 6.0  # the target; the shipped model reaches SHIPPED (see docs/trajectory.md)


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]+", text)}


def test_no_word_of_the_english_chains_is_in_the_training_templates():
    from scripts.chain_families import TRAINING, good_chain

    rng = random.Random(0)
    template_words: set[str] = set()
    for family in TRAINING:
        for _ in range(500):
            p = good_chain(family, rng)
            template_words |= _words(p.question + " " + " ".join(p.steps))
        template_words |= _words(" ".join(family.OFF_TOPIC))
    for chain in ENGLISH:
        assert not _words(chain.question + " " + " ".join(chain.steps)) & template_words


def test_shipped_files_are_small_and_the_tokenizer_is_a_byte_level_bpe_for_english():
    assert sum(f.stat().st_size for f in TINY_MODEL.iterdir()) < 20 * 1024 * 1024
    spec = json.loads((TINY_MODEL / "tokenizer.json").read_text(encoding="utf-8"))
    assert spec["model"]["type"] == "BPE" and spec["pre_tokenizer"]["type"] == "ByteLevel"
    assert len(spec["model"]["vocab"]) >= 4096


def _english_cost(monkeypatch) -> tuple[float, int, int]:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    with ModelResource(str(TINY_MODEL), device="cpu") as model:
        scores = ChainScorer(model, batch_size=2).score(ENGLISH)
    surprise = sum(step.surprise for chain in scores for step in chain.steps)
    tokens = sum(step.n_tokens for chain in scores for step in chain.steps)
    return surprise / tokens, tokens, sum(len(s.split()) for c in ENGLISH for s in c.steps)


def test_ordinary_english_is_read_as_sub_words_and_costs_under_six_nats_per_token(monkeypatch):
    cost, tokens, words = _english_cost(monkeypatch)
    assert tokens < 3 * words  # sub-word tokens (about 6 a word if it fell apart into bytes)
    assert cost < MAX_NATS_PER_TOKEN, f"{cost:.2f} nats per token"
