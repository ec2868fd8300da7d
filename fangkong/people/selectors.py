"""Reads on persons, households and key categories worth naming."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from fangkong.areas.models import Area
from fangkong.areas.selectors import responsibility_chain
from fangkong.core import counts
from fangkong.core.actors import Actor
from fangkong.core.pii import blind_index
from fangkong.people import fragments, search
from fangkong.people.choices import DuplicateReason, PersonStatus
from fangkong.people.idnumber import normalise_id, normalise_phone
from fangkong.people.models import Household, KeyCategory, Person

TOWNSHIP_PATH_LEN = Area.steplen * 2  # county, then township


def active_persons() -> QuerySet[Person]:
    """Every active person, not yet limited to anyone's areas (a view's ``get_queryset``)."""
    return Person.objects.filter(status=PersonStatus.ACTIVE).select_related("area")


def persons_for(user: Actor) -> QuerySet[Person]:
    return Person.objects.visible_to(user).filter(status=PersonStatus.ACTIVE).select_related("area")


def persons_total(user: Actor) -> int:
    """How many active persons the user's areas hold: the person list's length (page and
    API) without a filter. Computed once per change of the registry (``core.counts``): the
    county's 850,000 took 130 ms to count on every view. The plain scoped queryset's count,
    which the (area, status) index answers."""
    return counts.cached(
        counts.PERSONS, ("person_list", counts.scope_of(user)), persons_for(user).count
    )


def households_total(user: Actor) -> int:
    """How many households the user's areas hold: the household list's length (page and
    API) without a filter, once per change of the registry (the county's count cost the
    database 30 ms on every view)."""
    return counts.cached(
        counts.PERSONS, ("household_list", counts.scope_of(user)), households_for(user).count
    )


def households_for(user: Actor) -> QuerySet[Household]:
    return Household.objects.visible_to(user).select_related("area")


def classify_query(q: str) -> tuple[str, str]:
    """What the one search box was given: ("id"|"phone"|"id_tail"|"initials"|"name", the
    value to match)."""
    q = (q or "").strip()
    compact = normalise_id(q)
    if len(compact) >= 15 and compact[:-1].isdigit():
        return "id", compact
    phone = normalise_phone(q)
    if phone.isdigit() and len(phone) == 11:
        return "phone", phone
    if search.split_id_tail(q) is not None:
        return "id_tail", q
    letters = re.sub(r"[\s']", "", q)
    if letters.isascii() and letters.isalpha():
        return "initials", letters.lower()
    return "name", q


def search_persons(user: Actor, q: str) -> QuerySet[Person]:
    """One box (people/search.py): exact ID number or phone (blind index); a name with the
    last six of its ID number; pinyin initials or full pinyin; a name or part of one."""
    qs = persons_for(user)
    if not (q or "").strip():
        return qs
    kind, value = classify_query(q)
    if kind == "id":
        return qs.filter(id_number_index=blind_index(value))
    if kind == "phone":
        return qs.filter(phone_index=blind_index(value))
    if kind == "id_tail":
        name, tail = search.split_id_tail(value) or ("", "")
        return search.id_tail_match(qs, name, tail)
    # Names and initials are looked up in the search index (people/fragments.py) within the
    # user's areas; a query longer than its pieces (or with letters that have a case) is
    # then checked on the persons found: the same answers as a plain LIKE either way.
    if kind == "initials":
        starts = search.syllable_initials(value)
        qs = qs.filter(pk__in=fragments.persons_with(user, [value, *starts], initials=True))
        full = search.full_pinyin_q(qs, value) if starts else None
        if full is None and fragments.exact(value, initials=True):
            return qs
        match = Q(name_initials__startswith=value)
        return qs.filter(match | full if full is not None else match)
    # a name or any part of it
    qs = qs.filter(pk__in=fragments.persons_with(user, [value]))
    return qs if fragments.exact(value) else qs.filter(name__contains=value)


# --- likely duplicates -----------------------------------------------------------------------
@dataclass
class DuplicateGroup:
    reason: str  # "name_birth" or "name_phone"
    name: str
    key: Any
    persons: list[Person] = field(default_factory=list)


def likely_duplicates(user: Actor, *, limit: int = 200) -> list[DuplicateGroup]:
    """Records in the user's areas that may be one person: the same document number (two
    areas registered one person; the county reconciles them), same name and birth date, or
    same name and phone. Read from the candidate table kept as persons are written
    (people/duplicates.py): a short list, not a scan of the registry. A group shows only
    when the user sees two of its records; a name group whose records all hold different
    document numbers is left out (different numbers: different people)."""
    from fangkong.people.models import DuplicateCandidate

    mine = DuplicateCandidate.objects.visible_to(user)
    out: list[DuplicateGroup] = []
    seen: set[frozenset[int]] = set()
    for reason in DuplicateReason:  # the most certain first
        keys = list(
            mine.filter(reason=reason)
            .values("key")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .order_by("key")
            .values_list("key", flat=True)[: limit - len(out)]
        )
        if not keys:
            continue
        members: dict[str, list[Person]] = {}
        rows = (
            mine.filter(reason=reason, key__in=keys)
            .select_related("person__area", "person__household")
            .order_by("person_id")
        )
        for c in rows:
            members.setdefault(c.key, []).append(c.person)
        groups = []
        for persons in members.values():
            ids = frozenset(p.pk for p in persons)
            if len(persons) < 2 or ids in seen:
                continue
            numbers = {p.id_number_index for p in persons if p.id_number_index}
            if reason != DuplicateReason.SAME_ID and len(numbers) == len(persons):
                continue
            seen.add(ids)
            first = persons[0]
            key = first.id_number_index if reason == DuplicateReason.SAME_ID else (
                first.birth_date if reason == DuplicateReason.NAME_BIRTH else first.phone_index
            )  # fmt: skip
            groups.append(DuplicateGroup(reason, first.name, key, persons))
        out.extend(sorted(groups, key=lambda g: (g.name, g.persons[0].pk)))
        if len(out) >= limit:
            break
    return out[:limit]


# --- key categories --------------------------------------------------------------------------
def category_counts(user: Actor) -> dict[int, int]:
    """Category id -> persons in the user's areas (one grouped query, once per change of the
    registry: ``core.counts``)."""
    return counts.cached(counts.PERSONS, ("categories", counts.scope_of(user)),
                         lambda: _category_counts(user))  # fmt: skip


def _category_counts(user: Actor) -> dict[int, int]:
    through = Person.categories.through
    visible = persons_for(user).values("pk")
    return dict(
        through.objects.filter(person_id__in=visible)  # type: ignore[misc]  # the stubs do not see annotations on an auto-created through model
        .values_list("keycategory_id")
        .annotate(n=Count("id"))
        .values_list("keycategory_id", "n")
    )


@dataclass
class TownshipCount:
    township: Area
    counts: dict[int, int]  # category id -> persons
    total: int


def counts_by_township(user: Actor, category: KeyCategory | None = None) -> list[TownshipCount]:
    """Persons per key category per township in the user's areas: one grouped query (plus
    the township names), once per change of the registry (``core.counts``)."""
    scope = ("townships", counts.scope_of(user), category.pk if category else None)
    by_town = counts.cached(counts.PERSONS, scope, lambda: _by_township(user, category))
    towns = {a.path: a for a in Area.objects.filter(path__in=list(by_town))}
    return [
        TownshipCount(towns[tp], c, sum(c.values()))
        for tp, c in sorted(by_town.items())
        if tp in towns
    ]


def _by_township(user: Actor, category: KeyCategory | None) -> dict[str, dict[int, int]]:
    through = Person.categories.through
    qs = through.objects.filter(person_id__in=persons_for(user).values("pk"))
    if category is not None:
        qs = qs.filter(keycategory=category)
    rows = (
        qs.annotate(tp=Substr("person__area__path", 1, TOWNSHIP_PATH_LEN))  # type: ignore[misc]
        .values_list("tp", "keycategory_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_town: dict[str, dict[int, int]] = {}
    for tp, cid, n in rows:
        by_town.setdefault(tp, {})[cid] = n
    return by_town


# --- responsibility chain --------------------------------------------------------------------
def chain_for(area: Any, floor: int | None = None) -> list[Any]:
    """The responsibility chain (包保) from ``area`` up to the county, from the areas app."""
    return list(responsibility_chain(area, floor=floor))
