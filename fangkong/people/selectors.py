"""Reads on persons, households and key categories worth naming."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Case, Count, F, Q, QuerySet, When
from django.db.models.functions import Substr

from fangkong.areas.models import Area
from fangkong.core.pii import blind_index
from fangkong.people import search
from fangkong.people.choices import PersonStatus
from fangkong.people.idnumber import normalise_id, normalise_phone
from fangkong.people.models import Household, KeyCategory, Person

TOWNSHIP_PATH_LEN = Area.steplen * 2  # county, then township


def persons_for(user: Any) -> QuerySet[Person]:
    return Person.objects.visible_to(user).filter(status=PersonStatus.ACTIVE).select_related("area")


def households_for(user: Any) -> QuerySet[Household]:
    return Household.objects.visible_to(user).select_related("area")


def _prefix(field_name: str, value: str) -> Q:
    """``field startswith value``, written so that an index serves it on both databases.

    PostgreSQL (C collation, or the pattern-ops index Django adds) serves LIKE 'x%' from an
    index; SQLite's LIKE is case-insensitive and ignores the index, so there the prefix is
    also given as a range, which the (area, field) index answers."""
    q = Q(**{f"{field_name}__startswith": value})
    if connection.vendor == "sqlite" and value:
        upper = value[:-1] + chr(ord(value[-1]) + 1)
        q &= Q(**{f"{field_name}__gte": value, f"{field_name}__lt": upper})
    return q


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


def search_persons(user: Any, q: str) -> QuerySet[Person]:
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
    if kind == "initials":
        match = _prefix("name_initials", value)
        full = search.full_pinyin_q(qs, value)
        return qs.filter(match | full if full is not None else match)
    return qs.filter(name__contains=value)  # a name or any part of it


# --- likely duplicates -----------------------------------------------------------------------
@dataclass
class DuplicateGroup:
    reason: str  # "name_birth" or "name_phone"
    name: str
    key: Any
    persons: list[Person] = field(default_factory=list)


def _groups(qs: QuerySet[Person], keys: list[str], limit: int) -> list[dict[str, Any]]:
    """Groups of 2+ records sharing ``keys``, leaving out groups whose members all hold
    distinct document numbers (different numbers: different people)."""
    return list(
        qs.values(*keys)
        .annotate(
            n=Count("id"),
            numbers=Count(
                Case(When(~Q(id_number_index=""), then="id_number_index")), distinct=True
            ),
        )
        .filter(n__gt=1, numbers__lt=F("n"))
        .order_by(*keys)[:limit]
    )


def likely_duplicates(user: Any, *, limit: int = 200) -> list[DuplicateGroup]:
    """Records in the user's areas that may be one person: the same document number (two
    areas registered one person; the county reconciles them), same name and birth date, or
    same name and phone; found by grouped queries (no pairwise comparison). A group shows
    only when the user sees two of its records."""
    base = persons_for(user)
    out: list[DuplicateGroup] = []
    specs = [
        ("same_id", ["id_number_index"], base.exclude(id_number_index="")),
        ("name_birth", ["name", "birth_date"], base.exclude(birth_date__isnull=True)),
        ("name_phone", ["name", "phone_index"], base.exclude(phone_index="")),
    ]
    seen: set[frozenset[int]] = set()
    for reason, keys, qs in specs:
        groups = _groups(qs, keys, limit)
        if not groups:
            continue
        match = Q()
        for g in groups:
            match |= Q(**{k: g[k] for k in keys})
        members: dict[tuple, list[Person]] = {}
        for p in qs.filter(match).select_related("area", "household").order_by("pk"):
            members.setdefault(tuple(getattr(p, k) for k in keys), []).append(p)
        for g in groups:
            persons = members.get(tuple(g[k] for k in keys), [])
            ids = frozenset(p.pk for p in persons)
            if len(persons) > 1 and ids not in seen:
                seen.add(ids)
                out.append(DuplicateGroup(reason, persons[0].name, g[keys[-1]], persons))
    return out[:limit]


# --- key categories --------------------------------------------------------------------------
def category_counts(user: Any) -> dict[int, int]:
    """Category id -> persons in the user's areas (one grouped query)."""
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


def counts_by_township(user: Any, category: KeyCategory | None = None) -> list[TownshipCount]:
    """Persons per key category per township in the user's areas: one grouped query (plus
    the township names)."""
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
    towns = {a.path: a for a in Area.objects.filter(path__in=list(by_town))}
    return [
        TownshipCount(towns[tp], counts, sum(counts.values()))
        for tp, counts in sorted(by_town.items())
        if tp in towns
    ]


# --- responsibility chain --------------------------------------------------------------------
def chain_for(area: Any, floor: int | None = None) -> list[Any]:
    """The responsibility chain (包保) from ``area`` up to the county, from the areas app;
    empty while that app does not offer it."""
    try:
        from fangkong.areas.selectors import responsibility_chain
    except ImportError:
        return []
    return list(responsibility_chain(area, floor=floor))
