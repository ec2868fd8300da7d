"""The isolation-sites section of the daily picture: beds, persons in the sites, intake and
the days until the sites are full at the recent intake rate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.figures import Figure, Series, day_bounds, register, township_of
from fangkong.sites.choices import RoomState, SiteStatus
from fangkong.sites.models import Room, Stay

INTAKE_DAYS = 7
PERSONS = _("persons")
BEDS = _("beds")


def _usable_beds(user: Any) -> dict[str, int]:
    """Beds of the rooms in use (active sites, rooms not out of service) per township, as
    they are now: rooms keep no history of their beds."""
    rows = (
        Room.objects.visible_to(user)
        .filter(site__status=SiteStatus.ACTIVE)
        .exclude(state=RoomState.OUT_OF_SERVICE)
        .annotate(t=township_of("site__area__path"))
        .values_list("t")
        .annotate(n=Sum("beds"))
        .order_by()
    )
    return {t: n or 0 for t, n in rows}


def daily_figures(user: Any, day: dt.date) -> list[Figure]:
    """Three grouped queries: beds per township, persons in the sites at the end of the day
    per township, check-ins and check-outs of the last week."""
    start, end = day_bounds(day)
    week_start, _e = day_bounds(day - dt.timedelta(days=INTAKE_DAYS - 1))
    stays = Stay.objects.visible_to(user)
    beds = _usable_beds(user)
    persons = dict(
        stays.filter(check_in_at__lt=end)
        .filter(Q(check_out_at__isnull=True) | Q(check_out_at__gte=end))
        .annotate(t=township_of("site__area__path"))
        .values_list("t")
        .annotate(n=Count("pk"))
        .order_by()
    )
    moves = stays.aggregate(
        week=Count("pk", filter=Q(check_in_at__gte=week_start, check_in_at__lt=end,
                                  moved_from__isnull=True)),
        ins=Count("pk", filter=Q(check_in_at__gte=start, check_in_at__lt=end,
                                 moved_from__isnull=True)),
        outs=Count("pk", filter=Q(check_out_at__gte=start, check_out_at__lt=end,
                                  moved_to__isnull=True)),
    )  # fmt: skip
    total_beds, total_persons = sum(beds.values()), sum(persons.values())
    free = max(total_beds - total_persons, 0)
    rate = moves["week"] / INTAKE_DAYS
    days_full = round(free / rate, 1) if rate > 0 else None
    occupancy = round(100 * total_persons / total_beds, 1) if total_beds else None
    url = reverse("sites:capacity")
    return [
        Figure("sites.beds", _("Usable beds"), total_beds, BEDS, url, beds,
               note=_("Beds of the rooms in use at active sites, as they are now.")),
        Figure("sites.persons", _("Persons in isolation sites"), total_persons, PERSONS,
               url, persons),
        Figure("sites.occupancy", _("Occupancy"), occupancy, "%", url),
        Figure("sites.free", _("Free beds"), free, BEDS, url),
        Figure("sites.check_ins", _("Check-ins that day"), moves["ins"], PERSONS, url),
        Figure("sites.check_outs", _("Releases from sites that day"), moves["outs"], PERSONS,
               url),
        Figure("sites.intake_rate", _("Check-ins per day (7 days)"), round(rate, 1),
               PERSONS, url),
        Figure("sites.days_until_full", _("Days until full"), days_full, _("days"), url,
               note=_("Free beds over the mean daily check-ins of the last 7 days.")),
    ]  # fmt: skip


def daily_series(user: Any, start: dt.date, end: dt.date) -> list[Series]:
    """Persons in the sites at the end of each day and check-ins per day: two grouped
    queries over the stays touching the range."""
    tz = timezone.get_current_timezone()
    first, _e = day_bounds(start)
    _s, last = day_bounds(end)
    stays = Stay.objects.visible_to(user)
    rows = (
        stays.filter(check_in_at__lt=last)
        .filter(Q(check_out_at__isnull=True) | Q(check_out_at__gte=first))
        .annotate(i=TruncDate("check_in_at", tzinfo=tz), o=TruncDate("check_out_at", tzinfo=tz))
        .values_list("i", "o")
        .annotate(n=Count("pk"))
        .order_by()
    )
    n = (end - start).days + 1
    diff = [0] * (n + 1)
    for i, o, count in rows:
        lo = max((i - start).days, 0)
        # out on day o: not in the site at o's end
        hi = n if o is None else min((o - start).days, n)
        if lo < hi:
            diff[lo] += count
            diff[hi] -= count
    persons: dict[dt.date, int] = {}
    running = 0
    for k in range(n):
        running += diff[k]
        persons[start + dt.timedelta(days=k)] = running
    intake = dict(
        stays.filter(check_in_at__gte=first, check_in_at__lt=last, moved_from__isnull=True)
        .annotate(d=TruncDate("check_in_at", tzinfo=tz))
        .values_list("d")
        .annotate(n=Count("pk"))
        .order_by()
    )
    beds = sum(_usable_beds(user).values())
    chart = _("Isolation capacity")
    return [
        Series("sites.persons", _("Persons in isolation sites"), "capacity", chart, persons),
        Series("sites.beds", _("Usable beds"), "capacity", chart,
               dict.fromkeys(persons, beds)),
        Series("sites.check_ins", _("Check-ins"), "capacity", chart, intake, type="bar"),
    ]  # fmt: skip


register(
    "sites",
    label=_("Isolation sites"),
    permission="capacity.view",
    figures=daily_figures,
    series=daily_series,
    order=30,
)
