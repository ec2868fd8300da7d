from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.core.scoping import user_covers_area

if TYPE_CHECKING:
    from fangkong.areas.models import Area
    from fangkong.core.actors import MaybeActor


def require(user: MaybeActor, action: str) -> None:
    """Raise PermissionDenied unless the user's roles allow ``action``."""
    if user is None or not user.is_authenticated or not user.can(action):
        raise PermissionDenied(_("Your role does not allow this action."))


def require_area(user: MaybeActor, area: Area | None, *, field: str = "area") -> None:
    """Raise unless ``area`` lies within the user's areas. Another area's records do not
    exist for this user, so the refusal reads as not found."""
    if not user_covers_area(user, area):
        raise NotFound(_("No such area within your areas."), field=field)
