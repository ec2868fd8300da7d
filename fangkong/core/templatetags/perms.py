"""``{% if user|can:"testing.lab" %}``: a template shows a link, button or form only to a
user whose roles may open or send it (no broken promises)."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def can(user: Any, action: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.can(action))
