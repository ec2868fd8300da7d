"""Personal data in templates, shown as the viewing role may see it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext as _

from fangkong.core.pii import may_reveal, shown_birth

register = template.Library()


def _user(context: Any) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


@register.simple_tag(takes_context=True)
def birth_label(context: Any) -> str:
    """ "Birth date" for roles that may reveal personal data, "Birth year" for the others."""
    return _("Birth date") if may_reveal(_user(context)) else _("Birth year")


@register.simple_tag(takes_context=True)
def birth(context: Any, value: dt.date | None) -> str:
    """A person's birth date (2022-11-23) or, for roles that may not reveal, its year."""
    shown = shown_birth(value, _user(context))
    if shown is None:
        return "—"
    return shown.isoformat() if isinstance(shown, dt.date) else str(shown)
