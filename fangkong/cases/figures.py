"""The cases section of the command centre's daily picture (core.figures): the day's
figures, and the epidemic curve (new cases per report day)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from fangkong.cases.choices import CaseKind, FoundWhere
from fangkong.cases.models import Case
from fangkong.cases.selectors import figures
from fangkong.core.figures import Number, Series, register


def daily_series(user: Any, start: dt.date, end: dt.date) -> list[Series]:
    """New cases per local report day from ``start`` to ``end`` in the user's areas: the
    epidemic curve stacked by kind (confirmed / asymptomatic) and, on a second chart, by
    where they were found (under control / community). One grouped query for both."""
    rows = (
        Case.objects.visible_to(user)
        .filter(reported_on__gte=start, reported_on__lte=end)
        .values_list("reported_on", "kind", "found")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_kind: dict[str, dict[dt.date, Number]] = {k: {} for k in CaseKind.values}
    by_found: dict[str, dict[dt.date, Number]] = {f: {} for f in FoundWhere.values}
    for day, kind, found, n in rows:
        for points in (by_kind.setdefault(kind, {}), by_found.setdefault(found, {})):
            points[day] = (points.get(day) or 0) + n
    curve, where = _("Epidemic curve: new cases by report day"), _("New cases by where found")
    return [
        *(Series(f"cases.new_{k.value}", k.label, "epidemic_curve", curve, by_kind[k.value],
                 type="bar", stack="cases") for k in CaseKind),
        *(Series(f"cases.found_{f.value}", f.label, "cases_found", where, by_found[f.value],
                 type="bar", stack="found") for f in FoundWhere),
    ]  # fmt: skip


register(
    "cases",
    label=_("Cases and contacts"),
    permission="case.view",
    figures=figures,
    series=daily_series,
    order=10,
)
