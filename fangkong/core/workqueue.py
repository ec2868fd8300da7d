"""The work queue: what each user must do now, in their own areas, for the role home pages.

Each app plugs its queues in from a ``workqueue.py`` module (found by ``discover()``, like
``admin.py``), calling ``register`` with a key, a label, the permission the queue's page
needs, the roles whose work it is, and two functions from the app's selectors:

- ``work(user, now) -> Work``: how many items wait in the user's areas, the most urgent
  due time and the page where they are handled; one aggregate query, scoped with
  ``visible_to(user)``;
- ``by_township(user, now) -> {township path: count}`` (optional): the same count per
  township for the county's table; one grouped query (``per_township``).

A role whose domain is not built yet is listed in ``AWAITING_DOMAIN``: its home says where
its work will come from instead of promising pages that do not exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from fangkong.core.actors import Actor
from fangkong.core.roles import roles_with

TOWNSHIP_DEPTH = 2

# Roles whose domain does not exist yet, and where their work will come from.
AWAITING_DOMAIN: dict[str, Any] = {}


@dataclass(frozen=True)
class Work:
    """A queue's state for one user: items waiting, the most urgent due time, the page."""

    count: int
    due: dt.datetime | None
    url: str


@dataclass(frozen=True)
class Queue:
    key: str
    label: Any
    permission: str  # what the queue's page needs: every role seeing the queue holds it
    roles: frozenset[str]
    work: Callable[[Any, dt.datetime], Work]
    by_township: Callable[[Any, dt.datetime], dict[str, int]] | None = None
    order: int = 100  # among queues due at the same time (and those without a due time)

    def shown_to(self, user: Actor) -> bool:
        return bool(user.role_codes & self.roles) and user.can(self.permission)


@dataclass(frozen=True)
class Item:
    """One line of a home page's list."""

    key: str
    label: Any
    count: int
    due: dt.datetime | None
    url: str
    overdue: bool


_queues: dict[str, Queue] = {}
_discovered = False


def register(
    key: str,
    *,
    label: Any,
    permission: str,
    work: Callable[[Any, dt.datetime], Work],
    roles: Iterable[str] | None = None,
    by_township: Callable[[Any, dt.datetime], dict[str, int]] | None = None,
    order: int = 100,
) -> Queue:
    """Add a queue. ``roles`` (default: every role holding ``permission``) must all hold
    ``permission``: a queue never links a role to a page it cannot open."""
    allowed = roles_with(permission)
    chosen = frozenset(roles) if roles is not None else allowed
    if not chosen <= allowed:
        raise ImproperlyConfigured(
            f"work queue {key!r}: roles {sorted(chosen - allowed)} lack {permission!r}"
        )
    if key in _queues and _queues[key].work is not work:
        raise ImproperlyConfigured(f"work queue {key!r} registered twice")
    queue = Queue(key, label, permission, chosen, work, by_township, order)
    _queues[key] = queue
    return queue


def unregister(key: str) -> None:
    _queues.pop(key, None)


def discover() -> None:
    """Import every app's ``workqueue`` module once (they register their queues)."""
    global _discovered
    if not _discovered:
        autodiscover_modules("workqueue")
        _discovered = True


def queues() -> list[Queue]:
    discover()
    return sorted(_queues.values(), key=lambda q: (q.order, q.key))


def queues_for(user: Actor) -> list[Queue]:
    """The queues that are this user's work (by role) and whose pages they may open."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return [q for q in queues() if q.shown_to(user)]


def _urgency(item: Item) -> tuple[bool, dt.datetime, str]:
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return (not item.overdue, item.due or far, str(item.label))


def items_for(user: Actor, now: dt.datetime | None = None) -> list[Item]:
    """The user's non-empty queues, the most urgent first: the overdue (longest overdue
    first), then by due time, those without a due time last."""
    now = now or timezone.now()
    items = []
    for q in queues_for(user):
        w = q.work(user, now)
        if w.count:
            overdue = w.due is not None and w.due < now
            items.append(Item(q.key, q.label, w.count, w.due, w.url, overdue))
    return sorted(items, key=_urgency)


def awaiting_domains(user: Actor) -> list[Any]:
    """Where the work of the user's roles whose domain is not built yet will come from."""
    return [AWAITING_DOMAIN[r] for r in sorted(user.role_codes) if r in AWAITING_DOMAIN]


# --- helpers for the apps' selectors ---------------------------------------------------------
def end_of_day(day: dt.date) -> dt.datetime:
    """The last minute of a local calendar day: when something due "that day" is late."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59)))


def per_township(qs: QuerySet, path_field: str) -> dict[str, int]:
    """``qs`` counted per township (its area's path cut to the township's): one grouped
    query."""
    from fangkong.areas.models import Area

    cut = Area.steplen * TOWNSHIP_DEPTH
    rows = (
        qs.annotate(_township=Substr(path_field, 1, cut))
        .values("_township")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["_township"]: r["n"] for r in rows if len(r["_township"] or "") == cut}


# --- the county's table ------------------------------------------------------------------------
@dataclass
class TownshipRow:
    area: Any
    counts: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class TownshipTable:
    queues: list[Queue]
    rows: list[TownshipRow]
    as_of: dt.datetime | None = None  # when the counts were taken (they are kept briefly)

    @property
    def totals(self) -> list[int]:
        return [sum(r.counts[i] for r in self.rows) for i in range(len(self.queues))]


def spans_townships(user: Actor) -> bool:
    """Whether one of the user's areas lies above township level (the county)."""
    from fangkong.areas.models import Area

    step = Area.steplen
    return any(len(p) // step < TOWNSHIP_DEPTH for p in getattr(user, "area_paths", ()))


def township_table(user: Actor, now: dt.datetime | None = None) -> TownshipTable | None:
    """For a user above township level: each queue's count per township, the townships
    with any work, in the area tree's order. None for everyone else.

    The counts are kept for ``FANGKONG_TOWNSHIP_TABLE_SECONDS`` per scope and set of queues
    (the county's command centre shares one) and the table says when they were taken: a
    grouped query per queue over the whole county was half of the county home's time, and
    a picture a minute old is what a command centre's overview needs; the user's own work
    list above it is always counted live."""
    from fangkong.areas.models import Area
    from fangkong.core.counts import scope_of

    if not spans_townships(user):
        return None
    now = now or timezone.now()
    qs = [q for q in queues_for(user) if q.by_township is not None]
    if not qs:
        return None

    def take() -> tuple[list[dict[str, int]], dt.datetime]:
        return [q.by_township(user, now) for q in qs], now  # type: ignore[misc]

    keep = settings.FANGKONG_TOWNSHIP_TABLE_SECONDS
    if keep > 0:
        digest = hashlib.sha1(
            repr((scope_of(user), [q.key for q in qs])).encode(), usedforsecurity=False
        ).hexdigest()
        key = f"workqueue:townships:{digest}"
        found = cache.get(key)
        if found is None:
            found = take()
            cache.set(key, found, keep)
        counts, as_of = found
    else:
        counts, as_of = take()
    paths = sorted(set().union(*counts))
    areas = {a.path: a for a in Area.objects.filter(path__in=paths, depth=TOWNSHIP_DEPTH)}
    rows = [TownshipRow(areas[p], [c.get(p, 0) for c in counts]) for p in paths if p in areas]
    return TownshipTable(qs, rows, as_of)
