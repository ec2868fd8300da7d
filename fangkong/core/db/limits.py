"""Limits of the databases we run on, and the one way to cut a long list to fit them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# PostgreSQL's wire protocol carries at most 65,535 parameters a statement; with
# server-side binding (settings.py) every value of an IN (...) list is one of them.
MAX_PARAMS = 65_535
# A list of ids safe in one IN (...) on either database, with room for the other parameters.
IN_CHUNK = 30_000


def chunks(seq: Sequence[T], n: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """``seq`` in consecutive slices of at most ``n``."""
    for i in range(0, len(seq), n):
        yield seq[i : i + n]
