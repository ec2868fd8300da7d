"""The command centre's figures: each domain's numbers for the daily picture, the daily
report and the API, from one selector per domain.

Each app plugs its section in from a ``figures.py`` module (found by ``discover()``, like
``workqueue.py``), calling ``register`` with a key, a label, the permission needed to see
it, and one function from the app's selectors:

- ``figures(user, day) -> list[Figure]``: the domain's figures for ``day`` (a local
  calendar day) within the user's areas, each with its value, and where it makes sense
  its count per township (``by_township``: township path -> value, for the page's
  drill-down table) and the page that lists what is behind it.

Optionally, ``series(user, start, end) -> list[Series]``: day-by-day values for the
page's and the report's charts (the epidemic curve, the control population over time).
Series with the same ``chart`` key are drawn on one chart, titled ``chart_label``; give
each series its own ``key`` and, for stacked bars, the same ``stack``. Like ``figures``,
a few grouped queries for the whole range, never one query per day.

The daily picture, the daily report (PDF and Excel) and ``/api/v1/command/`` all read
``sections_for(user, day)``: the page, the report and the API agree by construction. A
section's selector must be cheap (aggregate queries, no per-person loops): the county's
page has a time budget of 500 ms for all sections together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

from fangkong.core.actors import Actor
from fangkong.core.roles import roles_with

Number = int | float | None


@dataclass(frozen=True)
class Figure:
    """One number of the daily picture."""

    key: str  # stable within its section: "cases.community_today"
    label: Any  # lazily translated
    value: Number
    unit: Any = ""  # "%", "h", lazily translated words such as "persons"
    url: str = ""  # the page that lists what the number counts, if any
    by_township: Mapping[str, Number] | None = None  # township path -> value
    note: Any = ""  # how it is counted, when the label cannot say it


@dataclass(frozen=True)
class Series:
    """Day-by-day values of one line or bar of a chart."""

    key: str  # stable: "control.centralized_isolation"
    label: Any
    chart: str  # the chart it is drawn on: "epidemic_curve", "control_population"
    chart_label: Any
    points: Mapping[dt.date, Number]  # day -> value; a missing day is drawn as 0 for bars
    type: str = "line"  # "line" or "bar"
    stack: str = ""  # bars with the same stack are stacked


@dataclass(frozen=True)
class Section:
    key: str
    label: Any
    permission: str
    figures: Callable[[Any, dt.date], list[Figure]]
    order: int = 100
    series: Callable[[Any, dt.date, dt.date], list[Series]] | None = None


@dataclass(frozen=True)
class SectionFigures:
    section: Section
    figures: list[Figure] = field(default_factory=list)


_sections: dict[str, Section] = {}
_discovered = False


def register(
    key: str,
    *,
    label: Any,
    permission: str,
    figures: Callable[[Any, dt.date], list[Figure]],
    order: int = 100,
    series: Callable[[Any, dt.date, dt.date], list[Series]] | None = None,
) -> Section:
    """Add a domain's section to the daily picture."""
    roles_with(permission)  # an unknown permission fails here, not on the first page view
    if key in _sections and _sections[key].figures is not figures:
        raise ImproperlyConfigured(f"figures section {key!r} registered twice")
    section = Section(key, label, permission, figures, order, series)
    _sections[key] = section
    return section


def unregister(key: str) -> None:
    _sections.pop(key, None)


def discover() -> None:
    """Import every app's ``figures`` module once (they register their sections)."""
    global _discovered
    if not _discovered:
        autodiscover_modules("figures")
        _discovered = True


def sections() -> list[Section]:
    discover()
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def sections_for(user: Actor, day: dt.date) -> list[SectionFigures]:
    """Every section the user may see, with its figures for ``day`` in the user's areas."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return [
        SectionFigures(s, list(s.figures(user, day))) for s in sections() if user.can(s.permission)
    ]


def series_for(user: Any, start: dt.date, end: dt.date) -> list[Series]:
    """Every series of the sections the user may see, from ``start`` to ``end``."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    out: list[Series] = []
    for s in sections():
        if s.series is not None and user.can(s.permission):
            out.extend(s.series(user, start, end))
    return out


# --- helpers for the domains' selectors ------------------------------------------------------
def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local calendar day as [start, end) aware datetimes."""
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def spans_per_day(rows: Any, start: dt.date, end: dt.date) -> dict[str, dict[dt.date, int]]:
    """How many are in force on each day from ``start`` to ``end``, from grouped rows
    ``(group, first_day, end_day_or_None, count)``: in force from ``first_day`` to the day
    before ``end_day`` (a phase ended on a day does not count at that day's end). A
    difference array: linear in the rows and the days, whatever their spans."""
    n = (end - start).days + 1
    diffs: dict[str, list[int]] = {}
    for group, first, last, count in rows:
        lo = max((first - start).days, 0)
        hi = n if last is None else min((last - start).days, n)  # exclusive
        if lo >= hi:
            continue
        d = diffs.setdefault(str(group), [0] * (n + 1))
        d[lo] += count
        d[hi] -= count
    out: dict[str, dict[dt.date, int]] = {}
    for group, d in diffs.items():
        running, values = 0, {}
        for i in range(n):
            running += d[i]
            values[start + dt.timedelta(days=i)] = running
        out[group] = values
    return out


def township_counts(
    qs: Any, path_field: str, **counts: Any
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Several counts of ``qs`` (``name=Count("pk", filter=Q(...))``) in total and per
    township, from one grouped query: the totals count the rows above township level too;
    per township, as ``core.workqueue.per_township`` gives it (no township without one)."""
    from fangkong.areas.models import Area
    from fangkong.core.workqueue import TOWNSHIP_DEPTH

    cut = Area.steplen * TOWNSHIP_DEPTH
    rows = (
        qs.annotate(_township=township_of(path_field))
        .values("_township")
        .annotate(**counts)
        .order_by()
    )
    totals: dict[str, int] = dict.fromkeys(counts, 0)
    towns: dict[str, dict[str, int]] = {k: {} for k in counts}
    for r in rows:
        for k in counts:
            totals[k] += r[k]
            if r[k] and len(r["_township"] or "") == cut:
                towns[k][r["_township"]] = r[k]
    return totals, towns


def township_of(path_field: str) -> Any:
    """An expression: the township's path of the area at ``path_field`` (for grouping a
    count per township in one query, as ``core.workqueue.per_township`` does)."""
    from django.db.models.functions import Substr

    from fangkong.areas.models import Area
    from fangkong.core.workqueue import TOWNSHIP_DEPTH

    return Substr(path_field, 1, Area.steplen * TOWNSHIP_DEPTH)
