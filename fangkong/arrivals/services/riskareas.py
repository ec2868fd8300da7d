"""Risk areas on the county's grid (风险区划定): the command centre designates a building,
estate, village or township high or low risk from a date, with the measures of the rule
in force; a high-risk area becomes due for lifting after the clean days of the rule
(5 under the 20 measures) without a new infection inside, and is lifted by the command
centre. Lifting earlier needs a reason. Designations are kept after lifting: the history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.choices import AreaLevel
from fangkong.arrivals import selectors
from fangkong.arrivals.choices import DesignationStatus, RiskLevel
from fangkong.arrivals.models import RiskDesignation
from fangkong.arrivals.services._common import Errors, clean_text
from fangkong.arrivals.states import DesignationMachine
from fangkong.checkpoints.decisions import table_for
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict
from fangkong.core.permissions import require, require_area

WINDOW = dt.timedelta(days=30)


@transaction.atomic
def designate(
    *, area: Any, level: str, starts_on: dt.date, measures: str = "", by: Actor
) -> RiskDesignation:
    """Designate ``area`` (township, village, estate or building) high or low risk from
    ``starts_on``; the measures default to the rule set's for the level."""
    require(by, "riskarea.designate")
    require_area(by, area)
    errors = Errors()
    if level not in RiskLevel.values:
        errors.add("level", _("The risk level is high or low."))
    if area.level < AreaLevel.TOWNSHIP:
        errors.add("area", _("Designate a township, village, estate or building, not the county."))
    today = timezone.localdate()
    if not (today - WINDOW <= starts_on <= today + WINDOW):
        errors.add("starts_on", _("The start must be within 30 days of today."))
    text = clean_text(errors, "measures", measures, max_length=300)
    errors.raise_if_any()
    text = text or table_for(starts_on).risk_area_measures.get(level, "")
    d = RiskDesignation(area=area, level=level, starts_on=starts_on, measures=text, created_by=by)
    try:
        with transaction.atomic():
            d.save()
    except IntegrityError:
        raise Conflict(
            _("%(area)s is already a risk area; lift that designation first.") % {"area": area},
            field="area",
        ) from None
    audit.record(audit.Action.CREATE, d, by=by, after=audit.snapshot(d))
    return d


@transaction.atomic
def lift(designation: RiskDesignation, *, reason: str = "", by: Actor) -> RiskDesignation:
    """Lift a designation. Before its clean days (no new infection inside for the rule's
    number of days) only with a reason, which is kept."""
    require(by, "riskarea.lift")
    require_area(by, designation.area, field="designation")
    d = (
        RiskDesignation.objects.select_for_update(of=("self",))
        .select_related("area")
        .get(pk=designation.pk)
    )
    DesignationMachine.check(d, DesignationStatus.LIFTED)
    today = timezone.localdate()
    clean = selectors.clean_days(d, today)
    needed = table_for(today).risk_area_clean_days
    errors = Errors()
    text = clean_text(errors, "lift_reason", reason, max_length=300)
    errors.raise_if_any()
    if clean < needed and not text:
        from fangkong.core.errors import ValidationFailed

        raise ValidationFailed(
            _(
                "Only %(clean)d of %(needed)d days without a new infection: give the reason for lifting early."
            )
            % {"clean": clean, "needed": needed},
            field="lift_reason",
        )
    DesignationMachine.perform(
        d,
        DesignationStatus.LIFTED,
        by=by,
        also={
            "lifted_at": timezone.now(),
            "lifted_by": by,
            "lift_reason": text,
            "clean_days_at_lift": clean,
        },
    )
    return d
