"""Area scoping: every record that holds people's data is read through ``visible_to(user)``.

A model opts in with ``objects = ScopedManager()`` and ``scope_field`` naming the path to its
area foreign key (``"area"``, ``"household__area"``). Default deny: anonymous, inactive and
area-less users see nothing; a user whose area is the county sees everything in it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from fangkong.core.models import User


def covered_areas_q(user: Any) -> Q | None:
    """A Q on the area table: the user's areas and everything below (path prefixes); None
    when the user may see nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    paths = user.area_paths
    if not paths:
        return None
    q = Q()
    for path in paths:
        q |= Q(path__startswith=path)
    return q


def area_q(user: Any, scope_field: str) -> Q | None:
    """A Q limiting ``scope_field`` to the user's areas and below; None when nothing is visible."""
    q = covered_areas_q(user)
    if q is None:
        return None
    from fangkong.areas.models import Area

    # A subquery on the (small) area table rather than a join: the database resolves the
    # area ids once and then uses the index on the scoped table's area column.
    return Q(**{f"{scope_field}__in": Area.objects.filter(q).values("pk")})


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> ScopedQuerySet:
        q = area_q(user, self.model.scope_field)
        if q is None:
            return self.none()
        return self.filter(q)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


def user_covers_area(user: Any, area: Any) -> bool:
    """Whether ``area`` lies within one of the user's areas."""
    if area is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return any(area.path.startswith(p) for p in user.area_paths)
