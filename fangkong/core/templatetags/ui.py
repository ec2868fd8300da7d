"""Small helpers of the shared list components."""

from collections.abc import Iterable, Sequence
from typing import Any

from django import template

register = template.Library()


@register.filter
def labelled(values: Sequence[Any], columns: Iterable[Any]) -> list[tuple[Any, Any]]:
    """(column label, value) pairs of a row: a phone shows each cell with its label
    (``table.cards``), since the header row is hidden there."""
    return list(zip((c.label for c in columns), values, strict=False))
