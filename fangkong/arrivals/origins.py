"""Which risk area elsewhere a place lies in on a day: the most specific entry in force
(a street's entry over its county's, its county's over its city's...); high over low at the
same depth. ``OriginIndex`` loads the day's entries once, for a batch of look-ups."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from fangkong.arrivals.choices import OriginRisk, RiskLevel
from fangkong.arrivals.models import OriginArea
from fangkong.core import counts


def _key(*parts: str) -> tuple[str, ...]:
    return tuple("".join((p or "").split()) for p in parts)


ORIGINS = "arrivals.origins"  # core.counts generation: moved by every change of the list


def _entries(day: dt.date) -> dict[tuple[str, ...], OriginArea]:
    entries: dict[tuple[str, ...], OriginArea] = {}
    qs = OriginArea.objects.filter(
        Q(superseded_at__isnull=True),
        Q(effective_from__lte=day),
        Q(effective_to__isnull=True) | Q(effective_to__gte=day),
    )
    for o in qs:
        k = _key(o.province, o.city, o.county, o.street)
        old = entries.get(k)
        if old is None or (o.level == RiskLevel.HIGH and old.level != RiskLevel.HIGH):
            entries[k] = o
    return entries


class OriginIndex:
    """The risk areas elsewhere in force on ``day``, keyed by place: read once per change of
    the list (``core.counts``; the services that write it call ``changed(ORIGINS)``), not
    per registration (a pre-registration's look-up was a third of its CPU in a return wave).
    ``provinces`` is accepted for callers that know them; the whole day's list is kept."""

    def __init__(self, day: dt.date, provinces: set[str] | None = None):
        self.day = day
        self.entries = counts.cached(ORIGINS, ("origins", day.isoformat()), lambda: _entries(day))

    def find(
        self, province: str, city: str = "", county: str = "", street: str = ""
    ) -> tuple[OriginArea | None, str]:
        """(the entry, its risk) for a place; (None, "none") outside every risk area."""
        p, c, x, s = _key(province, city, county, street)
        for k in ((p, c, x, s), (p, c, x, ""), (p, c, "", ""), (p, "", "", "")):
            found = self.entries.get(k)
            if found is not None:
                return found, found.level
        return None, OriginRisk.NONE


def risk_of(
    day: dt.date, province: str, city: str = "", county: str = "", street: str = ""
) -> tuple[OriginArea | None, str]:
    return OriginIndex(day).find(province, city, county, street)
