"""Helpers shared by the cases services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.text import refuse_control


def clean_text(value: Any, *, field: str, max_length: int, missing: str = "") -> str:
    """The text stripped; refused (naming ``field``) when longer than ``max_length``, or
    when empty if ``missing`` says why it is needed."""
    text = str(value or "").strip()
    if missing and not text:
        raise ValidationFailed(missing, field=field)
    if len(text) > max_length:
        raise ValidationFailed(_("At most %(n)d characters.") % {"n": max_length}, field=field)
    refuse_control({field: text})
    return text


def actor_or_none(by: Actor | None) -> Actor | None:
    """The user to keep as ``created_by``: none for a system actor."""
    return by if getattr(by, "is_authenticated", False) else None
