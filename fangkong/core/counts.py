"""Counts that are not recomputed per request: computed once per change of their data; and
the length of a list as a search box gives it (``bounded``, ``total``).

A count over many rows (persons per area of the tree, per key category) is cached under the
``Generation`` of the data it counts and the scope it was computed for. Whatever changes that
data calls ``changed(name)``; after the change commits, the generation moves on and every
web process computes the count afresh on its next request, once. Reading costs one primary
key look-up of the generation.

Why a generation and not deleting cache keys: the keys are per scope (every user's areas)
and per process (the embedded server's cache is process memory); a generation retires them
all without knowing them.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet

from fangkong.core.db import statements
from fangkong.core.db.vendor import table
from fangkong.core.models import Generation

T = TypeVar("T")
TTL = 3600  # seconds: a bound on memory, not on staleness (the generation handles that)

# One computation per key at a time in a process: when a count is missing, the threads that
# ask for it meanwhile wait for the first one's result instead of each scanning the registry
# (eight clients opening the county's page at once computed it eight times, 11 s at p95).
_computing: dict[str, threading.Lock] = {}
_computing_guard = threading.Lock()

PERSONS = "people.persons"  # who lives where, their status and their key categories


def generation(name: str) -> int:
    # read on every cached count and every pre-registration: a statement built once, not a
    # queryset compiled per call (which cost more than the look-up itself)
    sql = statements.statement(
        "core.generation",
        lambda: f'SELECT "value" FROM {table(Generation)} WHERE "name" = %s',  # noqa: S608
    )
    row = statements.query_one(sql, [name])
    return row[0] if row else 0


def _bump(name: str) -> None:
    if Generation.objects.filter(name=name).update(value=F("value") + 1):
        return
    try:
        with transaction.atomic():
            Generation.objects.create(name=name, value=1)
    except IntegrityError:  # created meanwhile by another writer
        Generation.objects.filter(name=name).update(value=F("value") + 1)


def changed(name: str) -> None:
    """The data ``name`` changed: retire its cached counts once the change is committed
    (bumped after the commit, so a long import does not hold the counter's row)."""
    transaction.on_commit(lambda: _bump(name))


def scope_of(user: object) -> tuple[str, ...]:
    """What decides the rows a user sees of area-scoped data: the roots of their areas."""
    from fangkong.core.scoping import fold

    return fold(getattr(user, "area_paths", ()))


def cached(name: str, scope: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` for ``scope``, computed once per generation of ``name``."""
    return _once(f"counts:{name}:{generation(name)}:{_digest(scope)}", compute, TTL)


def recent(name: str, scope: Hashable, compute: Callable[[], T], seconds: int) -> T:
    """``compute()`` for ``scope``, at most ``seconds`` old (computed once per process and
    period): for an overview of many people's work whose every writer cannot retire it."""
    return _once(_recent_key(name, scope, seconds), compute, seconds)


def refresh(name: str, scope: Hashable, compute: Callable[[], T], seconds: int) -> T:
    """``recent``'s value computed now and kept for the rest of its period (someone who
    just changed the data it counts must not be shown the count from before)."""
    found = compute()
    cache.set(_recent_key(name, scope, seconds), found, seconds)
    return found


def _recent_key(name: str, scope: Hashable, seconds: int) -> str:
    return f"recent:{name}:{int(time.time() // seconds)}:{_digest(scope)}"


def _digest(scope: Hashable) -> str:
    return hashlib.sha1(repr(scope).encode(), usedforsecurity=False).hexdigest()


def _once(key: str, compute: Callable[[], T], ttl: int) -> T:
    found = cache.get(key)
    if found is not None:
        return found
    with _computing_guard:
        lock = _computing.setdefault(key, threading.Lock())
    try:
        with lock:
            found = cache.get(key)  # computed by the thread we waited for
            if found is None:
                found = compute()
                cache.set(key, found, ttl)
    finally:
        with _computing_guard:
            if _computing.get(key) is lock and not lock.locked():
                del _computing[key]
    return found


# --- the length of a list ---------------------------------------------------------------------
# A note on the queryset's Query (every chained queryset copies it, like core.scoping's):
# ("bound", n) counts no further than n; ("known", fn) has its length from fn.
_LENGTH = "fangkong_length"
_Q = TypeVar("_Q", bound=QuerySet)


def bounded(qs: _Q, limit: int | None = None) -> _Q:
    """``qs`` counted no further than ``limit`` (``FANGKONG_SEARCH_COUNT_BOUND``): a search
    box says "more than 1,000" instead of counting the 60,000 persons named 王 (0.7 s).
    Any filter added later only narrows it, so the note may be set at any point."""
    setattr(qs.query, _LENGTH, ("bound", limit or settings.FANGKONG_SEARCH_COUNT_BOUND))
    return qs


def total(qs: _Q, compute: Callable[[], int]) -> _Q:
    """``qs`` whose length ``compute()`` gives (a ``cached`` count). Set it last: a filter
    added afterwards would keep a length that no longer holds."""
    setattr(qs.query, _LENGTH, ("known", compute))
    return qs


def length(qs: QuerySet) -> tuple[int, bool]:
    """(how many rows ``qs`` holds, whether that is only a lower bound): counted, unless the
    queryset was marked ``bounded`` (counted up to the bound) or given its ``total``."""
    note: tuple[str, Any] | None = getattr(qs.query, _LENGTH, None)
    if note is not None and note[0] == "known":
        return int(note[1]()), False
    if note is not None and note[0] == "bound":
        bound = int(note[1])
        # unordered: an ORDER BY would make the database read every match to sort them
        n = qs.order_by().values("pk")[: bound + 1].count()
        return (bound, True) if n > bound else (n, False)
    return qs.count(), False
