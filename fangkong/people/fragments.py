"""The search box's index: pieces of names and of their pinyin initials, per area.

A name search is a fragment anywhere in the name (``name LIKE '%x%'``), which no B-tree
serves, and Chinese names are two to four characters typed as one or two: a trigram index
(pg_trgm) finds nothing to look up in a fragment shorter than three characters. So every
active person has a ``NameFragment`` row for each run of one to ``GRAM`` characters of the
name (lower-cased) and for the first one to ``GRAM`` letters of the pinyin initials
(upper-cased, so that they never meet a name's piece), with the person's area. The
search reads the index ``(fragment, area, person)``: one fragment within the user's areas,
the persons straight from the index, on SQLite and PostgreSQL alike; the name (or
initials) is then checked on those persons alone, which keeps the answers exactly those of
the plain ``LIKE`` (a longer fragment is looked up by its first ``GRAM`` characters).

The rows are written in SQL (``people/sql.py``) from the persons as saved (the database's
own LOWER and SUBSTR; the look-up folds its query the same way): by the model's save
signal for a single person, by ``persons_written`` for bulk writers (import, household
moves), after the purge, and in full by ``rebuild_all`` (the synthetic county, the
migration).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.db.models.expressions import Value
from django.db.models.functions import Lower, Upper

from fangkong.core.actors import Actor
from fangkong.core.db.limits import chunks
from fangkong.people import sql
from fangkong.people.models import NameFragment
from fangkong.people.sql import GRAM

# a change to one of these changes a person's rows
WATCHED = frozenset({"name", "name_initials", "area", "area_id", "status"})


def forget(person_ids: Iterable[int]) -> None:
    """Drop the rows of ``person_ids`` (before their names are purged)."""
    for part in chunks(sorted(set(person_ids)), 500):
        sql.delete_fragments(part)


def refresh(person_ids: Iterable[int]) -> None:
    """Bring the rows of ``person_ids`` up to date with the persons as saved. Call inside
    the transaction that wrote them."""
    for part in chunks(sorted(set(person_ids)), 500):
        sql.delete_fragments(part)
        sql.insert_fragments(part)


def rebuild_all() -> None:
    """Every row again from the registry (after a bulk load, in the migration)."""
    sql.delete_all_fragments()
    sql.insert_fragments(None)
    sql.analyze_fragments()


def exact(value: str, *, initials: bool = False) -> bool:
    """Whether the index alone answers ``value``: it is one whole piece, and (a name's) has
    no letter with a case (SQLite's LIKE ignores the case of ASCII letters, PostgreSQL's
    does not; the index folds them). Otherwise the name itself is checked as well. (A
    person's stored initials are lower-case letters: the index matches them exactly.)"""
    if len(value) > GRAM:
        return False
    return initials or value.lower() == value.upper()


def _pieces(values: Iterable[str], *, initials: bool) -> list[Lower | Upper]:
    fold = Upper if initials else Lower
    return [fold(Value(v[:GRAM])) for v in dict.fromkeys(values) if v]


def persons_with(user: Actor, values: Iterable[str], *, initials: bool = False) -> QuerySet:
    """The ids of the persons in ``user``'s areas holding one of the pieces that start
    ``values`` (names: a piece anywhere; initials: their start), as a subquery. A superset:
    the caller checks the name or initials itself."""
    pieces = _pieces(values, initials=initials)
    match = Q()
    for piece in pieces:
        match |= Q(fragment=piece)
    if not pieces:
        match = Q(pk__in=[])
    return NameFragment.objects.visible_to(user).filter(match).values("person_id")
