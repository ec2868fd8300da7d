"""Area scoping: every record that holds people's data is read through ``visible_to(user)``.

A model opts in with ``objects = ScopedManager()`` and ``scope_field`` naming the path to its
area foreign key (``"area"``, ``"household__area"``). Default deny: anonymous, inactive and
area-less users see nothing; a user whose area is the county sees everything in it.

The subtree rule is written once, here: an area lies within another when its tree path
starts with the other's (``within``). The scoped managers and the selectors use it as a Q
(``subtree_q``), hand-written SQL as a condition (``subtree_sql``), code holding paths
directly as ``within``; ``fold`` keeps the roots of a set of subtrees, ``overlaps`` says
whether two sets of subtrees meet.

Views and the API never call this by hand for a look-up: ``scoped(model_or_queryset, user)``
gives the rows a user may see (the generic views and the API helpers call it on whatever a
view declares), and ``get_visible_or_404(model_or_queryset, user, pk=...)`` is the one
object look-up, answering 404 alike for another area's object and a missing one. A model
holding no one's data (a key category, a rule set, a lab) says so with ``scope_field = None``;
a model that says neither is refused, so a new model cannot be read unscoped by accident.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from fangkong.core.errors import NotVisible

if TYPE_CHECKING:
    from fangkong.areas.models import Area
    from fangkong.core.actors import MaybeActor


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


def _visible_paths(user: MaybeActor) -> tuple[str, ...]:
    """The paths of the user's areas; none for an anonymous, inactive or area-less user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ()
    return tuple(user.area_paths)


def covered_areas_q(user: MaybeActor) -> Q | None:
    """A Q on the area table: the user's areas and everything below (path prefixes); None
    when the user may see nothing."""
    paths = _visible_paths(user)
    return subtree_q(paths) if paths else None


def area_q(user: MaybeActor, scope_field: str) -> Q | None:
    """A Q limiting ``scope_field`` to the user's areas and below; None when nothing is visible."""
    paths = _visible_paths(user)
    if not paths:
        return None
    # A subquery on the (small) area table rather than a join: the database resolves the
    # area ids once and then uses the index on the scoped table's area column. Written as
    # SQL (the subtree rule's ``subtree_sql``), not as a queryset: every scoped read builds
    # one, and a page of counts (the county's home: 20) spent a fifth of its time building
    # and compiling the same subquery.
    return Q(**{f"{scope_field}__in": _areas_within(paths)})


def _areas_within(paths: Iterable[str]) -> RawSQL:
    from fangkong.areas.models import Area
    from fangkong.core.db.vendor import table

    cond, params = subtree_sql('"path"', paths)  # the paths are bound parameters
    return RawSQL(f'SELECT "id" FROM {table(Area)} WHERE {cond}', params)  # noqa: S608, S611


_MARK = "fangkong_visible_to"  # on the queryset's Query, which every clone copies


def _user_key(user: MaybeActor) -> int | None:
    return user.pk if user is not None and user.is_authenticated else None


_QS = TypeVar("_QS", bound=QuerySet)


def mark_visible(qs: _QS, user: MaybeActor) -> _QS:
    """Note on ``qs`` that it holds only rows ``user`` may see (every ``visible_to`` ends
    here), so ``scoped`` does not filter it twice. The note lives on the query, which every
    chained queryset copies (``filter``, ``values``, ``&``, slicing)."""
    setattr(qs.query, _MARK, _user_key(user))
    return qs


def is_visible_to(qs: QuerySet, user: MaybeActor) -> bool:
    return getattr(qs.query, _MARK, _MARK) == _user_key(user)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user: MaybeActor) -> ScopedQuerySet:
        q = area_q(user, self.model.scope_field)
        return mark_visible(self.none() if q is None else self.filter(q), user)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


def user_covers_area(user: MaybeActor, area: Area | None) -> bool:
    """Whether ``area`` lies within one of the user's areas."""
    if area is None or user is None or not user.is_authenticated or not user.is_active:
        return False
    return within(area.path, user.area_paths)


def is_shared(model: type[models.Model]) -> bool:
    """A model that holds no one's data and declares it (``scope_field = None``)."""
    return "scope_field" in vars(model) and vars(model)["scope_field"] is None


def scoped(source: type[models.Model] | QuerySet, user: MaybeActor) -> QuerySet:
    """The rows of ``source`` (a model or a queryset over it) that ``user`` may see.

    A queryset already limited by ``visible_to`` for this user is returned as it is; any
    other is limited now, so a view that hands over ``Model.objects.all()`` still shows only
    the user's areas. A shared model (``scope_field = None``) is open to every signed-in
    user. A model that is neither is a programming error, raised at once.
    Combine a scoped queryset with another only by narrowing (``&``, ``filter``): ``|`` or
    ``union`` with an unscoped one would widen it again."""
    qs = source._default_manager.all() if isinstance(source, type) else source
    if is_visible_to(qs, user):
        return qs
    if hasattr(qs, "visible_to"):
        return qs.visible_to(user)
    if is_shared(qs.model):
        return mark_visible(qs if _user_key(user) is not None else qs.none(), user)
    raise ImproperlyConfigured(
        f"{qs.model._meta.label} has no visible_to(user) and does not declare "
        "scope_field = None: give it a ScopedManager (and scope_field) or declare it shared."
    )


WALK_DEPTH = 2  # townships and above


def from_first_in_scope(qs: _QS, user: MaybeActor) -> _QS:
    """``qs`` (already scoped, read in primary-key order) limited to the keys from the first
    row of the user's areas on: the same rows in the same order. A county's rows are
    registered township by township, so for a township read by key PostgreSQL walks the
    primary key from the county's first row, filtering: the first page of the last
    township read ~800,000 persons (757 ms). The first key of each area comes from an
    index on (area, id), one look-up per area of the user's. Only for a township-sized
    scope whose model's area is a column of its own; a county's list starts at its start."""
    from fangkong.areas.models import Area
    from fangkong.core.db import statements
    from fangkong.core.db.vendor import qn, table

    field = getattr(qs.model, "scope_field", None)
    if not field or "__" in field or not large_scope(user) or spans_townships(user):
        return qs
    column = qn(qs.model._meta.get_field(field).column)
    key, area_key = qn(qs.model._meta.pk.column), qn(Area._meta.pk.column)
    cond, params = subtree_sql('a."path"', _visible_paths(user))
    row = statements.query_one(
        f"SELECT MIN((SELECT t.{key} FROM {table(qs.model)} t WHERE t.{column} = a.{area_key} "  # noqa: S608
        f"ORDER BY t.{key} LIMIT 1)) FROM {table(Area)} a WHERE {cond}",
        params,
    )
    first = row[0] if row else None
    return qs.filter(pk__gte=first) if first is not None else qs.none()


def spans_townships(user: MaybeActor) -> bool:
    """Whether one of the user's areas lies above township level (the county)."""
    from fangkong.areas.models import Area

    return any(len(p) < Area.steplen * WALK_DEPTH for p in _visible_paths(user))


def large_scope(user: MaybeActor) -> bool:
    """Whether each of the user's areas is a township or larger (a county, a township's
    officers): areas that hold a large share of the county's rows."""
    from fangkong.areas.models import Area

    paths = getattr(user, "area_paths", ()) if user is not None else ()
    return bool(paths) and all(len(p) <= Area.steplen * WALK_DEPTH for p in paths)


def scoped_for_walk(source: type[models.Model] | QuerySet, user: MaybeActor) -> QuerySet:
    """``scoped`` for a whole county's list read in the order of an indexed column: the same
    rows, but the area condition is written so that no index on the area column can answer
    it ("area_id + 0"), so the database walks the order's index and stops after a page
    instead of fetching every row of the county to sort them (850,000 persons sorted by name
    for 50 rows: 1.8 s against 0.04 s on SQLite; a township's 33,000: 437 ms of SQL). Only
    for a user whose areas are townships or larger (``large_scope``): a township holds
    about 1/26 of the county, so a page of 50 comes up within ~1,300 rows of the index; in
    a village (1/3,400) it would be read for long before a page of its rows came up."""
    qs = source._default_manager.all() if isinstance(source, type) else source
    paths = _visible_paths(user)
    if not paths:
        return mark_visible(qs.none(), user)
    field: str = getattr(qs.model, "scope_field")  # noqa: B009 (every scoped model names it)
    walked = qs.alias(_walk_area=F(field) + 0).filter(_walk_area__in=_areas_within(paths))
    return mark_visible(walked, user)


def _not_visible(model: type[models.Model], field: str | None) -> NotVisible:
    # the model's name without the gloss some carry ("lab (检测机构)")
    thing = re.sub(r"\s*[(（][^()（）]*[)）]$", "", str(model._meta.verbose_name))
    if is_shared(model):
        return NotVisible(_("No such %(thing)s.") % {"thing": thing}, field=field)
    return NotVisible(_("No such %(thing)s within your areas.") % {"thing": thing}, field=field)


def get_visible_or_404(
    source: type[models.Model] | QuerySet,
    user: MaybeActor,
    *,
    error_field: str | None = None,
    **lookup: Any,
) -> Any:
    """The one object look-up of views and the API: the object of ``source`` matching
    ``lookup`` (``pk=...``, ``barcode=...``) among those ``user`` may see.

    Another area's object, a missing one and a malformed id all raise the same
    ``NotVisible`` (a 404: the page's not-found page, the API's ``not_found`` error naming
    ``error_field`` when the id came in a body)."""
    qs = scoped(source, user)
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError, ValidationError, OverflowError):
        pass
    raise _not_visible(qs.model, error_field)


def get_all_visible_or_404(
    source: type[models.Model] | QuerySet, user: MaybeActor, pks: Any, *, error_field: str
) -> list[Any]:
    """Several objects by id (a batch release, a household checked in together), in the
    order given, duplicates once: all of them visible to ``user``, or ``NotVisible`` naming
    ``error_field`` (one foreign id refuses the whole batch, as a missing one would)."""
    qs = scoped(source, user)
    wanted = list(dict.fromkeys(pks))
    try:
        found = qs.in_bulk(wanted)
    except (ValueError, TypeError, ValidationError, OverflowError):
        found = {}
    if len(found) != len(wanted):
        raise _not_visible(qs.model, error_field)
    return [found[pk] for pk in wanted]
