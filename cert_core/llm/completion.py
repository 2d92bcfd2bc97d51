"""The request and result types every LLM backend shares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Union

from ..errors import InvalidInputError

__all__ = ["Completion", "Message", "MessageLike", "to_messages"]

Role = Literal["user", "assistant"]


@dataclass(frozen=True)
class Message:
    """One turn of a conversation; the system prompt travels separately."""

    role: Role
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


MessageLike = Union[Message, Mapping[str, str], str]


@dataclass(frozen=True)
class Completion:
    """What one successful call returned, with its accounting."""

    text: str
    input_tokens: int
    output_tokens: int
    model: str
    latency_ms: float
    cost_usd: float
    backend: str
    attempts: int = 1
    stop_reason: str | None = None

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def simulated(self) -> bool:
        return self.backend == "simulated"


def to_messages(messages: Sequence[MessageLike] | str) -> tuple[Message, ...]:
    """Accept a bare prompt, Message objects or {"role", "content"} mappings."""
    if isinstance(messages, str):
        messages = [messages]
    result: list[Message] = []
    for index, item in enumerate(messages):
        if isinstance(item, Message):
            result.append(item)
        elif isinstance(item, str):
            result.append(Message("user", item))
        elif isinstance(item, Mapping):
            role, content = item.get("role"), item.get("content")
            if role not in ("user", "assistant") or not isinstance(content, str):
                raise InvalidInputError(
                    f"message {index} must have role 'user' or 'assistant' and string content, got role={role!r}; "
                    "put the system prompt in system=, not in messages"
                )
            result.append(Message(role, content))
        else:
            raise InvalidInputError(
                f"message {index} is a {type(item).__name__}; pass a str, a Message or a mapping with role and content"
            )
    return tuple(result)
