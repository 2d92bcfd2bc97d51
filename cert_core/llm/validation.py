"""Checks every backend runs before spending a slot, a token or a cent."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import InvalidInputError
from .completion import Message, MessageLike, to_messages

__all__ = ["validate_request"]


def validate_request(
    messages: Sequence[MessageLike] | str,
    *,
    max_tokens: int,
    temperature: float,
    system: str | None,
    max_prompt_chars: int,
) -> tuple[Message, ...]:
    """Return the normalised messages or raise InvalidInputError naming the problem and the fix."""
    msgs = to_messages(messages)
    if not msgs:
        raise InvalidInputError("the prompt is empty: pass at least one user message with text")
    if msgs[-1].role != "user":
        raise InvalidInputError("the last message must come from the user; append the user's turn")
    if not any(m.content.strip() for m in msgs if m.role == "user"):
        raise InvalidInputError("the prompt is empty (only whitespace): pass a user message with text")
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens <= 0:
        raise InvalidInputError(f"max_tokens must be a positive integer, got {max_tokens!r}")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0.0 <= temperature <= 2.0:
        raise InvalidInputError(f"temperature must be between 0 and 2, got {temperature!r}")
    size = sum(len(m.content) for m in msgs) + len(system or "")
    if size > max_prompt_chars:
        raise InvalidInputError(
            f"the prompt has {size} characters, above the limit of {max_prompt_chars}; shorten it or raise "
            "max_prompt_chars in configs/fusion/llm.yaml"
        )
    return msgs
