"""Writes on households."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.core.text import control_errors
from fangkong.core.timeline import record_event
from fangkong.people.models import Household
from fangkong.people.services.persons import persons_written


def _clean(address: str, floor: int | None, notes: str = "") -> str:
    address = (address or "").strip()
    errors: dict[str, list[str]] = control_errors({"address": address, "notes": notes})
    if not address:
        errors["address"] = [_("An address is required.")]
    elif len(address) > 200:
        errors["address"] = [_("At most 200 characters.")]
    if floor is not None and not -5 <= floor <= 200:
        errors["floor"] = [_("A floor lies between -5 and 200.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return address


@transaction.atomic
def create_household(
    *, by: Actor, area: Any, address: str, floor: int | None = None, notes: str = ""
) -> Household:
    require(by, "person.edit")
    require_area(by, area)
    address = _clean(address, floor, notes)
    household = Household.objects.create(
        area=area, address=address, floor=floor, notes=(notes or "").strip(), created_by=by
    )
    audit.record(audit.Action.CREATE, household, by=by, after=audit.snapshot(household))
    record_event(household, "registered", _("Household registered"), by=by)
    return household


@transaction.atomic
def update_household(
    household: Household,
    *,
    by: Actor,
    area: Any,
    address: str,
    floor: int | None = None,
    notes: str = "",
) -> Household:
    """Change a household's address, floor or area; its members move with it."""
    require(by, "person.edit")
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_area(by, household.area)
    require_area(by, area)
    address = _clean(address, floor, notes)
    before = audit.snapshot(household)
    moved = household.area_id != area.pk
    household.area, household.address, household.floor = area, address, floor
    household.notes = (notes or "").strip()
    household.save()
    if moved:
        # Members live where their household is.
        household.members.update(area=area)
        persons_written(list(household.members.values_list("pk", flat=True)))
    audit.record(
        audit.Action.UPDATE, household, by=by, before=before, after=audit.snapshot(household)
    )
    return household
