"""Turn a chain into one token sequence with step boundaries.

Layout (the same for training the tiny model and for scoring):

    [BOS] tokens(question) tokens(separator + step_0) tokens(separator + step_1) ...

Each segment is tokenized on its own (no special tokens) and the pieces are concatenated, so a
step's tokens never depend on its neighbours and the boundaries are exact. The question is
context only: its tokens are never scored. BOS is the tokenizer's bos token, else its eos token,
else nothing (then the very first token has no prediction and is not scored).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["EncodedChain", "context_prefix_id", "encode_chain", "encode_chains"]


@dataclass(frozen=True)
class EncodedChain:
    input_ids: tuple[int, ...]
    # (start, end) token positions of each step in input_ids; end is exclusive
    step_spans: tuple[tuple[int, int], ...]

    def __len__(self) -> int:
        return len(self.input_ids)


def context_prefix_id(tokenizer: Any) -> int | None:
    for name in ("bos_token_id", "eos_token_id"):
        token_id = getattr(tokenizer, name, None)
        if token_id is not None:
            return int(token_id)
    return None


def _token_ids(tokenizer: Any, texts: list[str]) -> list[list[int]]:
    """Token ids of each text without special tokens. A fast tokenizer's Rust backend is called
    directly: the transformers wrapper around it costs more than the tokenizing on short steps."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    # encode_batch_fast skips the character offsets (not needed here): about a quarter faster
    encode = getattr(backend, "encode_batch_fast", None) or getattr(backend, "encode_batch", None)
    if encode is not None:
        return [e.ids for e in encode(texts, add_special_tokens=False)]
    return tokenizer(texts, add_special_tokens=False)["input_ids"]


def encode_chain(tokenizer: Any, question: str, steps: Sequence[str], separator: str = "\n") -> EncodedChain:
    """Tokenize question and steps separately and concatenate them, keeping step spans."""
    return encode_chains(tokenizer, [(question, steps)], separator)[0]


def encode_chains(tokenizer: Any, chains: Iterable[tuple[str, Sequence[str]]],
                  separator: str = "\n") -> list[EncodedChain]:
    """encode_chain for many chains with one tokenizer call over all their segments (a fast tokenizer
    runs a batch in Rust, while a call per chain costs its Python overhead each time)."""
    layouts = [[question] + [separator + step for step in steps] for question, steps in chains]
    pieces = _token_ids(tokenizer, [seg for segments in layouts for seg in segments])
    prefix = context_prefix_id(tokenizer)
    out, at = [], 0
    for segments in layouts:
        ids: list[int] = [] if prefix is None else [prefix]
        ids.extend(pieces[at])
        spans = []
        for piece in pieces[at + 1: at + len(segments)]:
            start = len(ids)
            ids.extend(piece)
            spans.append((start, len(ids)))
        at += len(segments)
        out.append(EncodedChain(tuple(int(i) for i in ids), tuple(spans)))
    return out
