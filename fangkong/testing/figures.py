"""The testing section of the daily picture: swabs, the current round's coverage, positives
and the time each stage takes (sampled → received at the lab → tested → reported)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.core.figures import Figure, Series, day_bounds, register, township_of
from fangkong.core.workqueue import TOWNSHIP_DEPTH
from fangkong.testing.choices import Outcome
from fangkong.testing.models import Result, ScreeningRound, Tube, TubeMember
from fangkong.testing.selectors import coverage

HOURS = _("h")
PERSONS = _("persons")


def _hours(a: str, b: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(b) - F(a), output_field=DurationField())


def _h(value: dt.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def current_round(user: Any, day: dt.date) -> ScreeningRound | None:
    """The latest round under way on ``day`` in the user's areas."""
    start, end = day_bounds(day)
    return (
        ScreeningRound.objects.visible_to(user)
        .filter(starts_at__lt=end, ends_at__gte=start)
        .order_by("-starts_at", "-pk")
        .first()
    )


def daily_figures(user: Any, day: dt.date) -> list[Figure]:
    """Swabs and positives per township, the stage times of the tubes reported that day and
    the coverage of the round under way: a handful of grouped queries."""
    start, end = day_bounds(day)
    swabs = dict(
        TubeMember.objects.visible_to(user)
        .filter(sampled_at__gte=start, sampled_at__lt=end)
        .annotate(t=township_of("area__path"))
        .values_list("t")
        .annotate(n=Count("pk"))
        .order_by()
    )
    positives = dict(
        Result.objects.visible_to(user)
        .filter(outcome=Outcome.POSITIVE, reported_at__gte=start, reported_at__lt=end)
        .annotate(t=township_of("tube__area__path"))
        .values_list("t")
        .annotate(n=Count("pk"))
        .order_by()
    )
    times = (
        Tube.objects.visible_to(user)
        .filter(reported_at__gte=start, reported_at__lt=end)
        .aggregate(
            tubes=Count("pk"),
            transport=Avg(_hours("first_sampled_at", "received_at")),
            test=Avg(_hours("received_at", "tested_at")),
            report=Avg(_hours("tested_at", "reported_at")),
            total=Avg(_hours("first_sampled_at", "reported_at")),
        )
    )
    rnd = current_round(user, day)
    cov_value: float | None = None
    cov_town: dict[str, float | int | None] | None = None
    cov_label: Any = _("Coverage of the current round")
    if rnd is not None:
        cov = coverage(rnd, user=user, buildings=False)
        cov_value = cov.percent
        cut = Area.steplen * TOWNSHIP_DEPTH
        acc: dict[str, list[int]] = {}
        for row in cov.by_village:
            a = acc.setdefault(row.path[:cut], [0, 0])
            a[0] += row.target
            a[1] += row.sampled
        cov_town = {t: round(100 * s / n, 1) if n else None for t, (n, s) in acc.items()}
        cov_label = _("Coverage of round %(name)s") % {"name": rnd.name}
    url = reverse("testing:index")
    return [
        Figure("testing.swabs", _("Persons swabbed that day"), sum(swabs.values()), PERSONS,
               url, swabs),
        Figure("testing.coverage", cov_label, cov_value, "%", url, cov_town),
        Figure("testing.positives", _("Positive results reported that day"),
               sum(positives.values()), _("tubes"), reverse("cases:candidates"), positives),
        Figure("testing.reported", _("Tubes reported that day"), times["tubes"], _("tubes"),
               url),
        Figure("testing.hours_transport", _("Sample to lab (mean)"),
               _h(times["transport"]), HOURS, url),
        Figure("testing.hours_test", _("Lab receipt to result (mean)"), _h(times["test"]),
               HOURS, url),
        Figure("testing.hours_report", _("Result to report (mean)"), _h(times["report"]),
               HOURS, url),
        Figure("testing.hours_total", _("Sample to report (mean)"), _h(times["total"]),
               HOURS, url, note=_("Over the tubes reported that day.")),
    ]  # fmt: skip


def daily_series(user: Any, start: dt.date, end: dt.date) -> list[Series]:
    """Swabs and positives per day: two grouped queries."""
    tz = timezone.get_current_timezone()
    first, _e = day_bounds(start)
    _s, last = day_bounds(end)
    swabs = dict(
        TubeMember.objects.visible_to(user)
        .filter(sampled_at__gte=first, sampled_at__lt=last)
        .annotate(d=TruncDate("sampled_at", tzinfo=tz))
        .values_list("d")
        .annotate(n=Count("pk"))
        .order_by()
    )
    positives = dict(
        Result.objects.visible_to(user)
        .filter(Q(outcome=Outcome.POSITIVE), reported_at__gte=first, reported_at__lt=last)
        .annotate(d=TruncDate("reported_at", tzinfo=tz))
        .values_list("d")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        Series("testing.swabs", _("Persons swabbed"), "testing", _("Testing"), swabs,
               type="bar"),
        Series("testing.positives", _("Positive results"), "positives",
               _("Positive results"), positives, type="bar"),
    ]  # fmt: skip


register(
    "testing",
    label=_("Testing"),
    permission="testing.view",
    figures=daily_figures,
    series=daily_series,
    order=40,
)
