"""Area scoping: every record that holds people's data is read through ``visible_to(user)``.

A model opts in with ``objects = ScopedManager()`` and ``scope_field`` naming the path to its
area foreign key (``"area"``, ``"household__area"``). Default deny: anonymous, inactive and
area-less users see nothing; a user whose area is the county sees everything in it.

The subtree rule is written once, here: an area lies within another when its tree path
starts with the other's (``within``). The scoped managers and the selectors use it as a Q
(``subtree_q``), hand-written SQL as a condition (``subtree_sql``), code holding paths
directly as ``within``; ``fold`` keeps the roots of a set of subtrees, ``overlaps`` says
whether two sets of subtrees meet.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from fangkong.core.models import User


def within(path: str, roots: Iterable[str]) -> bool:
    """The subtree rule: ``path`` lies in the subtree of one of ``roots`` (itself included)."""
    return path.startswith(tuple(roots))


def fold(paths: Iterable[str]) -> tuple[str, ...]:
    """The roots of the subtrees of ``paths``: each path not within another one, sorted."""
    out: list[str] = []
    for p in sorted(set(paths)):
        if not within(p, out):
            out.append(p)
    return tuple(out)


def overlaps(paths: Iterable[str], roots: Iterable[str]) -> bool:
    """One of ``paths`` lies within ``roots`` or holds one of them (a county-wide round is
    a township officer's round too)."""
    roots = tuple(roots)
    return any(within(p, roots) or any(within(r, (p,)) for r in roots) for p in paths)


def subtree_q(roots: Iterable[str], field: str = "path") -> Q:
    """``within`` as a Q on an area path ``field`` (``"area__path"``...); matches nothing
    without roots."""
    parts = [Q(**{f"{field}__startswith": root}) for root in fold(roots)]
    if not parts:
        return Q(pk__in=[])
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def subtree_sql(column: str, roots: Iterable[str]) -> tuple[str, list[str]]:
    """``within`` as a condition on the path ``column`` of hand-written SQL, with its
    parameters (false without roots)."""
    roots = fold(roots)
    if not roots:
        return "1 = 0", []
    cond = " OR ".join([f"{column} LIKE %s ESCAPE '\\'"] * len(roots))
    esc = [r.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for r in roots]
    return f"({cond})", esc


def covered_areas_q(user: Any) -> Q | None:
    """A Q on the area table: the user's areas and everything below (path prefixes); None
    when the user may see nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    paths = user.area_paths
    if not paths:
        return None
    return subtree_q(paths)


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
    return within(area.path, user.area_paths)
