"""Which risk area elsewhere a place lies in on a day: the most specific entry in force
(a street's entry over its county's, its county's over its city's...); high over low at the
same depth. ``OriginIndex`` loads the day's entries once, for a batch of look-ups."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from fangkong.arrivals.choices import OriginRisk, RiskLevel
from fangkong.arrivals.models import OriginArea


def _key(*parts: str) -> tuple[str, ...]:
    return tuple("".join((p or "").split()) for p in parts)


class OriginIndex:
    """The risk areas elsewhere in force on ``day``, keyed by place."""

    def __init__(self, day: dt.date, provinces: set[str] | None = None):
        self.day = day
        self.entries: dict[tuple[str, ...], OriginArea] = {}
        qs = OriginArea.objects.filter(
            Q(superseded_at__isnull=True),
            Q(effective_from__lte=day),
            Q(effective_to__isnull=True) | Q(effective_to__gte=day),
        )
        if provinces is not None:  # only the provinces asked about (one registration)
            qs = qs.filter(province__in=provinces)
        for o in qs:
            k = _key(o.province, o.city, o.county, o.street)
            old = self.entries.get(k)
            if old is None or (o.level == RiskLevel.HIGH and old.level != RiskLevel.HIGH):
                self.entries[k] = o

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
