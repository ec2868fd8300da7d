"""What the arrivals services share: text checks and the error shape."""

from __future__ import annotations

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
