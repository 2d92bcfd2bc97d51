"""Row ids: what makes one unusable downstream, and duplicate tracking in bounded memory."""

from __future__ import annotations

import hashlib
import unicodedata

__all__ = ["SeenIds", "id_problem"]


def id_problem(value: str, max_length: int, what: str = "id") -> str | None:
    """Why ``value`` cannot be used as an id (None when it can): too long for the ids built from it
    downstream, or holding a control character (PostgreSQL text cannot store NUL)."""
    if len(value) > max_length:
        return f"{what} is {len(value)} characters; keep it to {max_length} or fewer"
    for position, char in enumerate(value):
        if unicodedata.category(char) == "Cc":
            return (f"{what} holds the control character {char!r} at position {position}; "
                    "ids must be printable text (remove NUL bytes, tabs and line breaks)")
    return None


class SeenIds:
    """Ids already used, as 128-bit digests (a fixed ~100 bytes per id, however long the ids are),
    with the row each was first seen on."""

    def __init__(self) -> None:
        self._first: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._first)

    def first_seen(self, value: str, row_number: int) -> int | None:
        """The row ``value`` was first seen on, or None (and it is recorded) when it is new."""
        key = int.from_bytes(hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=16).digest(), "big")
        first = self._first.get(key)
        if first is None:
            self._first[key] = row_number
        return first
