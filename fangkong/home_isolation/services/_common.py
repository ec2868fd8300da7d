"""What the home-isolation services share: the actor check, local dates, ages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.actors import Actor
from fangkong.core.permissions import require, require_area


def check(by: Actor | None, action: str, area: Any = None, *, field: str = "area") -> None:
    """``by=None`` is the system (a scheduled task, the portal acting for its resident)."""
    if by is None:
        return
    require(by, action)
    if area is not None:
        require_area(by, area, field=field)


def actor(by: Actor | None) -> str:
    return str(by) if by is not None else _("the system")


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def user_or_none(by: Actor | None) -> Actor | None:
    return by if getattr(by, "is_authenticated", False) else None
