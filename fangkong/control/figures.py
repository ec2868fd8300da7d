"""The control section of the daily picture: persons under each kind of control."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.control.choices import EpisodeStatus, PhaseStatus
from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.core.figures import Figure, Series, register, spans_per_day, township_of
from fangkong.policy.choices import PhaseKind

PERSONS = _("persons")


def _in_force(first: dt.date, last: dt.date | None = None) -> Q:
    """Phases in force at the end of a day from ``first`` to ``last`` (``first`` alone by
    default): begun by ``last``, not ended by ``first``'s end, never cancelled. Each side
    of the OR names the statuses: SQLite then reads both sides from the in-force index
    (status, actual end, ...) rather than every phase of those statuses."""
    live = Q(status__in=(PhaseStatus.ACTIVE, PhaseStatus.COMPLETED))
    return Q(start_date__lte=last or first) & (
        (live & Q(actual_end_date__isnull=True)) | (live & Q(actual_end_date__gt=first))
    )


def daily_figures(user: Any, day: dt.date) -> list[Figure]:
    """Persons under control at the end of ``day`` by kind of phase, with the episodes
    begun and ended that day: two grouped queries."""
    rows = (
        ControlPhase.objects.visible_to(user)
        .filter(_in_force(day))
        .annotate(t=township_of("episode__area__path"))
        .values_list("t", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_kind: dict[str, dict[str, int]] = {k: {} for k in PhaseKind.values}
    for township, kind, n in rows:
        by_kind.setdefault(kind, {})[township] = by_kind[kind].get(township, 0) + n
    total: dict[str, int] = {}
    for counts in by_kind.values():
        for t, n in counts.items():
            total[t] = total.get(t, 0) + n
    # only the episodes begun or ended that day, found by their date indexes
    moves = (
        ControlEpisode.objects.visible_to(user)
        .filter(Q(start_date=day) | Q(end_date=day))
        .aggregate(
            started=Count("pk", filter=Q(start_date=day) & ~Q(status=EpisodeStatus.CANCELLED)),
            ended=Count("pk", filter=Q(end_date=day, status=EpisodeStatus.COMPLETED)),
        )
    )
    url = reverse("control:episode_list")
    out = [
        Figure("control.total", _("Persons under control"), sum(total.values()), PERSONS,
               url, total),
    ]  # fmt: skip
    for kind in PhaseKind:
        counts = by_kind.get(kind.value, {})
        out.append(
            Figure(f"control.{kind.value}", kind.label, sum(counts.values()), PERSONS, url,
                   counts)
        )  # fmt: skip
    out.append(Figure("control.started", _("Put under control that day"), moves["started"],
                      PERSONS, url))  # fmt: skip
    out.append(Figure("control.released", _("Released from control that day"), moves["ended"],
                      PERSONS, url))  # fmt: skip
    return out


def daily_series(user: Any, start: dt.date, end: dt.date) -> list[Series]:
    """Persons under each kind of control on each day: one grouped query over the phases
    overlapping the range, spread over the days in Python."""
    rows = (
        ControlPhase.objects.visible_to(user)
        .filter(_in_force(start, end))
        .values_list("kind", "start_date", "actual_end_date")
        .annotate(n=Count("pk"))
        .order_by()
    )
    spans = spans_per_day(rows, start, end)
    chart = _("Persons under control")
    return [
        Series(f"control.{kind.value}", kind.label, "control_population", chart,
               spans.get(kind.value, {}), type="bar", stack="control")
        for kind in PhaseKind
    ]  # fmt: skip


register(
    "control",
    label=_("Control"),
    permission="episode.view",
    figures=daily_figures,
    series=daily_series,
    order=20,
)
