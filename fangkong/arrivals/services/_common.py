"""What the arrivals services share: text checks and the error shape."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed
from fangkong.core.text import control_message

ANGLE = frozenset("<>")


class Errors:
    """Problems collected field by field, raised together."""

    def __init__(self) -> None:
        self.fields: dict[str, list[Any]] = {}

    def add(self, field: str, message: Any) -> None:
        self.fields.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(_("Some fields are not valid."), fields=self.fields)


def clean_text(
    errors: Errors, field: str, value: Any, *, max_length: int, required: bool = False
) -> str:
    """``value`` stripped; a problem recorded when missing, too long, holding a control
    character or an angle bracket (no name or address has one; a script tag does)."""
    s = "" if value is None else str(value).strip()
    if required and not s:
        errors.add(field, _("This field is required."))
    elif len(s) > max_length:
        errors.add(field, _("At most %(n)d characters.") % {"n": max_length})
    elif (msg := control_message(s)) is not None:
        errors.add(field, msg)
    elif ANGLE & set(s):
        errors.add(field, _("May not contain < or >."))
    return s[:max_length]


@dataclass
class CheckedRows:
    """A sheet's rows checked: the good rows' values and each problem as (Excel row,
    column key, message)."""

    values: list[dict[str, Any]] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    rows: int = 0

    def raise_if_any(self) -> None:
        """All the problems at once, each named "row N: column" (the API's answer)."""
        if self.errors:
            fields: dict[str, list[Any]] = {}
            for number, key, message in self.errors:
                fields.setdefault(_("row %(n)d: ") % {"n": number} + key, []).append(message)
            raise ValidationFailed(_("Some fields are not valid."), fields=fields)


def check_rows(
    rows: Iterable[tuple[int, dict[str, Any]]],
    check: Callable[[dict[str, Any], Errors], dict[str, Any]],
    progress: Callable[[int], None] | None = None,
    every: int = 500,
) -> CheckedRows:
    """Check each (row number, raw values) with ``check``; ``progress`` is told the rows
    checked every ``every`` rows."""
    out = CheckedRows()
    for number, raw in rows:
        errors = Errors()
        values = check(raw, errors)
        for key, messages in errors.fields.items():
            out.errors.extend((number, key, str(m)) for m in messages)
        if not errors.fields:
            out.values.append(values)
        out.rows += 1
        if progress is not None and out.rows % every == 0:
            progress(out.rows)
    return out
