"""Turn a chain into one token sequence with step boundaries.

Layout (the same for training the tiny model and for scoring):

    [BOS] tokens(question) tokens(separator + step_0) tokens(separator + step_1) ...

Each segment is tokenized on its own (no special tokens) and the pieces are concatenated, so a
step's tokens never depend on its neighbours and the boundaries are exact. The question is
context only: its tokens are never scored. BOS is the tokenizer's bos token, else its eos token,
else nothing (then the very first token has no prediction and is not scored).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["EncodedChain", "context_prefix_id", "encode_chain"]


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


def encode_chain(tokenizer: Any, question: str, steps: Sequence[str], separator: str = "\n") -> EncodedChain:
    """Tokenize question and steps separately and concatenate them, keeping step spans."""
    segments = [question] + [separator + step for step in steps]
    encoded = tokenizer(segments, add_special_tokens=False)["input_ids"]
    ids: list[int] = []
    prefix = context_prefix_id(tokenizer)
    if prefix is not None:
        ids.append(prefix)
    ids.extend(encoded[0])
    spans = []
    for piece in encoded[1:]:
        start = len(ids)
        ids.extend(piece)
        spans.append((start, len(ids)))
    return EncodedChain(tuple(int(i) for i in ids), tuple(spans))
