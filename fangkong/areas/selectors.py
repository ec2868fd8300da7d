"""Reads on the grid: the user's areas, people counts per node, who answers for an area."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q, QuerySet

from fangkong.areas import sql
from fangkong.areas.choices import (
    KINDS_OF_LEVEL,
    LEVEL_OF_KIND,
    ROLE_ORDER,
    AreaLevel,
    ResponsibilityRole,
)
from fangkong.areas.models import PATH_SEPARATOR, Area, Responsibility, today
from fangkong.core import counts
from fangkong.core.actors import Actor
from fangkong.core.pinyin import as_pinyin_query
from fangkong.core.scoping import fold, subtree_q


def areas_for(user: Actor) -> QuerySet[Area]:
    """The user's areas and everything below them."""
    return Area.objects.visible_to(user)


# --- the area picker -------------------------------------------------------------------------
PICKER_SEARCH_LIMIT = 50
_TERM_SPLIT = re.compile(r"[\s›>/、,，]+")


def picker_children(
    user: Actor, parent: Area | None, *, max_depth: int | None = None
) -> list[Area]:
    """One level of the picker's tree: the user's own areas when ``parent`` is None, else the
    children of ``parent`` (which the caller has checked is visible), each labelled with its
    path. ``has_children`` is False at ``max_depth`` (a field that takes villages at most)."""
    if parent is None:
        nodes = list(top_areas(user))
        Area.label_paths(nodes)
    else:
        nodes = list(
            Area.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).order_by(
                "code"
            )
        )
        if max_depth is not None and parent.depth + 1 > max_depth:
            nodes = []
        prefix = parent.path_label
        for n in nodes:
            n._path_label = f"{prefix}{PATH_SEPARATOR}{n.name}"
    for n in nodes:
        n.has_children = n.numchild > 0 and (max_depth is None or n.depth < max_depth)
    return nodes


def _term_q(term: str) -> Q:
    pinyin = as_pinyin_query(term)
    if pinyin:
        return (
            Q(name_initials__startswith=pinyin)
            | Q(name_pinyin__startswith=pinyin)
            | Q(code__startswith=term)
        )
    if term.isdigit():
        return Q(code__startswith=term) | Q(name__contains=term)
    return Q(name__contains=term)


@dataclass
class PickerResults:
    areas: list[Area]
    count: int  # all matches; ``areas`` holds the first PICKER_SEARCH_LIMIT


def search_areas(
    user: Actor, text: str, *, max_depth: int | None = None, limit: int = PICKER_SEARCH_LIMIT
) -> PickerResults:
    """Areas within the user's areas whose name, full pinyin or pinyin initials match, the
    shallowest first, each labelled with its path (四组 exists 270 times: the path tells
    them apart). Several words narrow down by place: ``桃花 四组`` or ``thsq sz`` is a 四组
    below an area matching 桃花; pinyin typed with spaces (``tao hua``) also reads as one."""
    text = text.strip()[:60]
    terms = [t for t in _TERM_SPLIT.split(text) if t]
    if not terms:
        return PickerResults([], 0)
    qs = _matching(user, terms, max_depth)
    areas = list(qs[:limit])
    if not areas and len(terms) > 1 and as_pinyin_query(text):
        qs = _matching(user, ["".join(terms)], max_depth)
        areas = list(qs[:limit])
    count = len(areas) if len(areas) < limit else qs.count()
    Area.label_paths(areas)
    for a in areas:
        a.has_children = a.numchild > 0 and (max_depth is None or a.depth < max_depth)
    return PickerResults(areas, count)


def _matching(user: Actor, terms: list[str], max_depth: int | None) -> QuerySet[Area]:
    """Areas matching the last term below an area matching each earlier one."""
    qs = areas_for(user)
    if max_depth is not None:
        qs = qs.filter(depth__lte=max_depth)
    qs = qs.filter(_term_q(terms[-1]))
    for term in terms[:-1]:
        within = list(areas_for(user).filter(_term_q(term)).values_list("path", flat=True)[:500])
        q = Q()
        for path in within:
            q |= Q(path__startswith=path, depth__gt=len(path) // Area.steplen)
        qs = qs.filter(q) if within else qs.none()
    return qs.order_by("depth", "path")


# --- people counts ---------------------------------------------------------------------------
@dataclass
class AreaNode:
    area: Area
    persons: int
    has_children: bool


def person_counts(user: Actor, nodes: Iterable[Area]) -> dict[int, int]:
    """Persons (visible to the user) in each node's subtree, in two queries whatever the
    number of nodes (persons counted per area id, then rolled up by path prefix), once per
    change of the registry (``core.counts``)."""
    nodes = list(nodes)
    if not nodes:
        return {}
    scope = (counts.scope_of(user), tuple(n.path for n in nodes))
    by_path = counts.cached(counts.PERSONS, scope, lambda: _rolled_counts(user, nodes))
    return {node.pk: by_path.get(node.path, 0) for node in nodes}


def _rolled_counts(user: Actor, nodes: list[Area]) -> dict[str, int]:
    from fangkong.people.choices import PersonStatus
    from fangkong.people.models import Person

    prefixes = list(fold(n.path for n in nodes))
    if len(prefixes) > 1:  # siblings: one prefix (their parent) keeps the query short
        common = os.path.commonprefix(prefixes)
        common = common[: len(common) - len(common) % Area.steplen]
        prefixes = [common] if common else prefixes
    q = subtree_q(prefixes)
    paths = dict(Area.objects.filter(q).values_list("pk", "path"))
    per_area = (
        Person.objects.visible_to(user)
        .filter(area_id__in=Area.objects.filter(q).values("pk"))
        .exclude(status=PersonStatus.MERGED)
        .values_list("area_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_path: dict[str, int] = defaultdict(int)
    for area_id, n in per_area:
        by_path[paths[area_id]] += n
    lengths = sorted({len(n.path) for n in nodes})
    rolled: dict[str, int] = defaultdict(int)
    for path, n in by_path.items():
        for length in lengths:
            if len(path) >= length:
                rolled[path[:length]] += n
    return {node.path: rolled.get(node.path, 0) for node in nodes}


def top_areas(user: Actor) -> QuerySet[Area]:
    """The user's own areas (the roots of what they see)."""
    if not getattr(user, "is_authenticated", False) or not user.area_paths:
        return Area.objects.none()
    return Area.objects.filter(path__in=user.area_paths).order_by("code")


def children_with_counts(user: Actor, parent: Area | None) -> list[AreaNode]:
    """The children of ``parent`` (the user's own areas when None), each with its people
    count; the caller has checked that ``parent`` is visible to the user."""
    if parent is None:
        nodes = list(top_areas(user))
    else:
        nodes = list(
            Area.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).order_by(
                "code"
            )
        )
    counts = person_counts(user, nodes)
    return [AreaNode(n, counts.get(n.pk, 0), n.numchild > 0) for n in nodes]


# --- who answers -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainLink:
    """One person who answers for a place, from the floor up to the county."""

    level: int  # AreaLevel of the area the assignment is on
    level_label: str
    area: Area
    role: str
    role_label: str
    name: str
    title: str
    phone_masked: str
    phone: str  # the full number: the caller decides whether to show it
    floor: int | None
    responsibility_id: int
    user_id: int | None


def responsibility_chain(
    area: Area, floor: int | None = None, *, on: dt.date | None = None
) -> list[ChainLink]:
    """Who answers for a place in ``area`` (on ``floor`` of a building), the most local
    first: floor lead, building, group/estate, village cadres, township leader, county
    leader. One query for the assignments on the area and all its ancestors."""
    if area is None:
        return []
    paths = area.ancestor_paths()
    floor_leads = Q(role=ResponsibilityRole.FLOOR_LEAD)
    # Only the floor lead of this floor of this building (not every floor's, decrypted).
    wanted = ~floor_leads if floor is None else ~floor_leads | Q(floor=floor, area_id=area.pk)
    rows = (
        Responsibility.objects.active(on)
        .filter(wanted, area__path__in=paths)
        .select_related("area")
        .order_by("pk")
    )
    links: list[ChainLink] = []
    for r in rows:
        level = LEVEL_OF_KIND.get(r.area.kind, r.area.depth)
        links.append(
            ChainLink(
                level=level,
                level_label=str(AreaLevel(level).label) if level in AreaLevel.values else "",
                area=r.area,
                role=r.role,
                role_label=str(r.get_role_display()),
                name=r.person_name,
                title=r.title,
                phone_masked=r.phone_masked,
                phone=r.phone,
                floor=r.floor,
                responsibility_id=r.pk,
                user_id=r.user_id,
            )
        )
    links.sort(key=lambda link: (-link.area.depth, ROLE_ORDER.get(link.role, 99)))
    return links


def responsibilities_for(user: Actor) -> QuerySet[Responsibility]:
    return Responsibility.objects.visible_to(user).select_related("area", "user")


UNASSIGNED_LEVELS = (AreaLevel.TOWNSHIP, AreaLevel.VILLAGE, AreaLevel.GROUP, AreaLevel.BUILDING)


def unassigned_areas(user: Actor, level: int, *, on: dt.date | None = None) -> QuerySet[Area]:
    """Areas of ``level`` within the user's areas with no one answering for them."""
    active = Responsibility.objects.active(on).values("area_id")
    return (
        areas_for(user)
        .filter(kind__in=KINDS_OF_LEVEL.get(level, ()))
        .exclude(pk__in=active)
        .order_by("path")
    )


def unassigned_counts(user: Actor) -> dict[int, int]:
    return {level: unassigned_areas(user, level).count() for level in UNASSIGNED_LEVELS}


# Village cadre before sent-down staff; the earliest assignment first within a role.
def villages_and_cadres(
    areas: Iterable[Area], *, on: dt.date | None = None
) -> dict[int, tuple[Area | None, str]]:
    """For each area, the village or community at or above it (None above village level)
    and the name of the village's responsible cadre ("" when nobody is assigned).

    One statement for a whole batch, written as SQL rather than two querysets because
    release runs it hundreds of times a second and building the querysets cost more than
    the database did."""
    on = on or today()
    wanted: dict[int, str | None] = {}
    for a in areas:
        if a is not None:
            deep_enough = a.level >= AreaLevel.VILLAGE
            wanted[a.pk] = a.path[: a.steplen * AreaLevel.VILLAGE] if deep_enough else None
    paths = sorted({p for p in wanted.values() if p})
    found: dict[str, tuple[Area, str]] = {}
    if paths:
        for pk, path, name, person_name in sql.villages_with_cadre(paths, on):
            village = Area.from_db(connection.alias, ["id", "path", "name"], (pk, path, name))
            found[path] = (village, person_name or "")
    return {pk: found.get(path, (None, "")) if path else (None, "") for pk, path in wanted.items()}
