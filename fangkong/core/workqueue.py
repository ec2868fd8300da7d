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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from fangkong.core.actors import Actor
from fangkong.core.roles import roles_with
from fangkong.core.scoping import spans_townships

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
    query (``core.figures.township_counts`` with one count)."""
    from fangkong.core.figures import township_counts

    return township_counts(qs, path_field, n=Count("pk"))[1]["n"]


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

    @property
    def totals(self) -> list[int]:
        return [sum(r.counts[i] for r in self.rows) for i in range(len(self.queues))]


def township_table(user: Actor, now: dt.datetime | None = None) -> TownshipTable | None:
    """For a user above township level: each queue's count per township, the townships
    with any work, in the area tree's order. None for everyone else."""
    from fangkong.areas.models import Area

    if not spans_townships(user):
        return None
    now = now or timezone.now()
    qs = [q for q in queues_for(user) if q.by_township is not None]
    if not qs:
        return None
    counts = [q.by_township(user, now) for q in qs]  # type: ignore[misc]
    paths = sorted(set().union(*counts))
    areas = {a.path: a for a in Area.objects.filter(path__in=paths, depth=TOWNSHIP_DEPTH)}
    rows = [TownshipRow(areas[p], [c.get(p, 0) for c in counts]) for p in paths if p in areas]
    return TownshipTable(qs, rows)


# --- the home page -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Overview:
    """A home page's work: the user's items, the table per township above township level
    (else None), when they were counted (None: for this view) and today's figures."""

    items: list[Item]
    table: TownshipTable | None
    counted_at: dt.datetime | None = None
    figures: list[Any] = field(default_factory=list)  # today's headline numbers
    every: int = 0  # seconds between counts (0: counted for this view)


def overview(user: Actor, now: dt.datetime | None = None) -> Overview:
    """The home page's work, counted once per web process and period for the queues,
    roles and areas it covers, and the page says when: every ``FANGKONG_WORK_SECONDS``
    for a user within a township (a village's cadre, a township's officers, a site's staff:
    shared by the colleagues of one area); above township level (the county's command
    centre, its dispatchers) every ``FANGKONG_OVERVIEW_SECONDS``, as the county's
    overview: every queue county-wide and per township (19 aggregates and as many grouped
    queries), the list and the table from the same moment (their totals agree). What a
    user just handled is gone from their list all the same: one who has changed anything
    since the last count has it counted again (and their colleagues see that count). A
    period of 0 counts on every view."""
    from django.conf import settings

    from fangkong.core import audit, counts
    from fangkong.core.selectors import today_figures

    now = now or timezone.now()
    wide = spans_townships(user)
    seconds = settings.FANGKONG_OVERVIEW_SECONDS if wide else settings.FANGKONG_WORK_SECONDS
    if not seconds:
        return Overview(items_for(user, now), township_table(user, now), None, today_figures(user))
    by_key = {q.key: q for q in queues_for(user)}

    def count() -> tuple[dt.datetime, Any, Any, Any]:
        # keys and numbers only: the queues (their labels, translated per request) stay here
        items = [(i.key, i.count, i.due, i.url) for i in items_for(user, now)]
        figures = today_figures(user)
        table = township_table(user, now)
        if table is None:
            return now, items, None, figures
        cells = ([q.key for q in table.queues], [(r.area, r.counts) for r in table.rows])
        return now, items, cells, figures

    # what decides them: the queues shown and the figures (by role), and the areas
    scope = (tuple(by_key), tuple(sorted(user.role_codes)), counts.scope_of(user))
    at, listed, cells, figures = counts.recent("workqueue.overview", scope, count, seconds)
    if audit.acted_since(user, at):
        at, listed, cells, figures = counts.refresh("workqueue.overview", scope, count, seconds)
    items = sorted(
        (
            Item(k, by_key[k].label, n, due, url, due is not None and due < now)
            for k, n, due, url in listed
        ),
        key=_urgency,
    )
    if cells is None:
        return Overview(items, None, at, figures, seconds)
    keys, rows = cells
    table = TownshipTable([by_key[k] for k in keys], [TownshipRow(a, c) for a, c in rows])
    return Overview(items, table, at, figures, seconds)
