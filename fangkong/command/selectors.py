"""Reads of the command centre: the daily picture (every section's figures for a day, per
township, with the charts' series), directives' follow-up, the archived reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.command.choices import OPEN_STATES, RecipientState
from fangkong.command.models import DailyReport, Department, Directive, DirectiveRecipient
from fangkong.core.errors import ValidationFailed
from fangkong.core.figures import SectionFigures, Series, days, sections_for, series_for
from fangkong.core.scoping import fold, subtree_q
from fangkong.core.workqueue import TOWNSHIP_DEPTH, Work, per_township

CHART_DAYS = 30


class AreaLens:
    """A user looking at one of their areas only (a township of the county's page): the
    sections' selectors see the user's permissions and this area alone."""

    def __init__(self, user: Any, area: Area):
        self._user = user
        self.area_paths = (area.path,)

    is_authenticated = True

    @property
    def is_active(self) -> bool:
        return bool(self._user.is_active)

    @property
    def pk(self) -> Any:
        return self._user.pk

    def can(self, action: str) -> bool:
        return bool(self._user.can(action))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._user, name)


class AreaViewer:
    """The report builder's view of an area: every section, that area alone."""

    is_authenticated = True
    is_active = True
    pk = None
    username = "system"

    def __init__(self, area: Area):
        self.area_paths = (area.path,)

    role_codes: frozenset[str] = frozenset()  # no role: scoped by area alone

    def can(self, action: str) -> bool:
        return True

    def has_role(self, *roles: str) -> bool:
        return False


def local_today() -> dt.date:
    return timezone.localdate()


def parse_day(value: str | None, *, field_name: str = "day") -> dt.date:
    """The day asked for (YYYY-MM-DD), today when none; a future day is refused."""
    if not value:
        return local_today()
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(_("Enter a date as YYYY-MM-DD."), field=field_name) from None
    check_not_future(day, field_name=field_name)
    return day


def check_not_future(day: dt.date, *, field_name: str = "day") -> None:
    if day > local_today():
        raise ValidationFailed(
            _("%(day)s is in the future: there are no figures for it yet.")
            % {"day": day.isoformat()},
            field=field_name,
        )


@dataclass
class TownshipRow:
    area: Area
    values: list[Any] = field(default_factory=list)


@dataclass
class Picture:
    day: dt.date
    area: Area | None  # the area looked at, when narrowed to one
    sections: list[SectionFigures]
    columns: list[tuple[str, Any, Any]]  # (figure key, label, unit) of the table
    rows: list[TownshipRow]
    charts: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """The figures as plain data: what the API returns and the report archives."""
        return {
            "day": self.day.isoformat(),
            "area": self.area.name if self.area else None,
            "sections": [
                {
                    "key": s.section.key,
                    "label": str(s.section.label),
                    "figures": [
                        {
                            "key": f.key,
                            "label": str(f.label),
                            "value": f.value,
                            "unit": str(f.unit),
                            "note": str(f.note),
                            "by_township": f.by_township,
                        }
                        for f in s.figures
                    ],
                }
                for s in self.sections
            ],
            "townships": {r.area.path: r.area.name for r in self.rows},
            "charts": self.charts,
        }


def townships_of(viewer: Any) -> list[Area]:
    """The townships within the viewer's areas."""
    paths = fold(viewer.area_paths)
    if not paths:
        return []
    return list(Area.objects.filter(subtree_q(paths), depth=TOWNSHIP_DEPTH).order_by("path"))


def charts(viewer: Any, day: dt.date, *, span: int = CHART_DAYS) -> list[dict[str, Any]]:
    """The registered series from ``span`` days before ``day`` to ``day``, grouped into
    charts, as plain data for the page's script and the report's drawings."""
    start = day - dt.timedelta(days=span - 1)
    labels = days(start, day)
    grouped: dict[str, dict[str, Any]] = {}
    for s in series_for(viewer, start, day):
        chart = grouped.setdefault(
            s.chart, {"key": s.chart, "label": str(s.chart_label), "labels":
                      [d.isoformat() for d in labels], "datasets": []}
        )  # fmt: skip
        chart["datasets"].append(_dataset(s, labels))
    return list(grouped.values())


def _dataset(s: Series, labels: list[dt.date]) -> dict[str, Any]:
    return {
        "key": s.key,
        "label": str(s.label),
        "type": s.type,
        "stack": s.stack,
        "data": [s.points.get(d, 0 if s.type == "bar" else None) for d in labels],
    }


def picture(user: Any, day: dt.date, *, area: Area | None = None) -> Picture:
    """The daily picture of the user's areas, or of ``area`` (one of them) alone."""
    viewer: Any = user if area is None else AreaLens(user, area)
    sections = sections_for(viewer, day)
    columns: list[tuple[str, Any, Any]] = []
    values: dict[str, Mapping[str, Any]] = {}
    for s in sections:
        for f in s.figures:
            if f.by_township is not None:
                columns.append((f.key, f.label, f.unit))
                values[f.key] = f.by_township
    towns = townships_of(viewer)
    rows = [] if len(towns) < 2 else [
        TownshipRow(t, [values[k].get(t.path, 0) for k, _l, _u in columns]) for t in towns
    ]  # fmt: skip
    return Picture(day, area, sections, columns, rows, charts(viewer, day))


# --- directives ------------------------------------------------------------------------------
def acts_for(user: Any) -> Q:
    """The recipients the user acts for: their townships (areas), their departments."""
    q = Q(department__isnull=True, area__path__in=list(user.area_paths))
    return q | Q(department__in=Department.objects.filter(members=user).values("pk"))


def recipients_for(user: Any) -> QuerySet[DirectiveRecipient]:
    return DirectiveRecipient.objects.visible_to(user).select_related(
        "directive", "area", "department"
    )


def directives_for(user: Any) -> QuerySet[Directive]:
    return Directive.objects.visible_to(user)


def directive_board(user: Any, now: dt.datetime | None = None) -> dict[str, int]:
    """Recipients open, overdue and closed, among those the user may see: one query."""
    now = now or timezone.now()
    return DirectiveRecipient.objects.visible_to(user).aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("pk", filter=Q(state__in=OPEN_STATES, directive__deadline__lt=now)),
        closed=Count("pk", filter=Q(state=RecipientState.CLOSED)),
    )


def overdue_recipients(now: dt.datetime | None = None) -> QuerySet[DirectiveRecipient]:
    """Every open recipient past its deadline (the periodic check; no user's scope)."""
    now = now or timezone.now()
    return DirectiveRecipient.objects.filter(
        state__in=OPEN_STATES, directive__deadline__lt=now
    ).select_related("directive", "area", "department")


def reports_for(user: Any) -> QuerySet[DailyReport]:
    return DailyReport.objects.visible_to(user).defer("pdf", "xlsx").select_related("area")


def directives_work(user: Any, now: dt.datetime) -> Work:
    """Open directive recipients in the user's areas (a township's own to answer, all of
    them for the centre to follow up), the nearest deadline first: one aggregate query."""
    agg = (
        DirectiveRecipient.objects.visible_to(user)
        .filter(state__in=OPEN_STATES)
        .aggregate(n=Count("pk"), first=Min("directive__deadline"))
    )
    return Work(agg["n"], agg["first"], reverse("command:directive_list"))


def directives_by_township(user: Any, now: dt.datetime) -> dict[str, int]:
    """Open directive recipients per township (what the county's table shows)."""
    qs = DirectiveRecipient.objects.visible_to(user).filter(
        state__in=OPEN_STATES, department__isnull=True
    )
    return per_township(qs, "area__path")
