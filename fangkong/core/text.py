"""Free text from users and files: control characters refused at input, stripped at output.

A control character (U+0000–U+001F but tab, line feed and carriage return; U+007F–U+009F)
or a non-character (U+FFFE, U+FFFF, lone surrogates) has no place in a name, an address or
a note: it cannot be typed, renders as nothing, and makes an Excel export fail (openpyxl
refuses it), so one such name would break every export of its area and of the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed

CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def strip_control(value: str) -> str:
    return CONTROL_RE.sub("", value)


def control_message(value: str) -> str | None:
    """Why ``value`` is refused (naming the first control character), or None."""
    m = CONTROL_RE.search(value)
    if m is None:
        return None
    return _(
        "Contains an invisible control character (U+%(code)04X), for example from a copied "
        "text; type it again without."
    ) % {"code": ord(m[0])}


def control_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """field -> [reason] for each text value (or list of texts) holding a control character."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if isinstance(item, str) and (message := control_message(item)):
                errors.setdefault(name, []).append(message)
                break
    return errors


def refuse_control(values: Mapping[str, Any]) -> None:
    """ValidationFailed naming every field whose text holds a control character."""
    if errors := control_errors(values):
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
