"""Door seals and sensors (封条/门磁): fitted with the household's consent once the person's
details and period are entered, removed at the end (flagged for removal by the close)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, ValidationFailed
from fangkong.core.timeline import record_event
from fangkong.home_isolation.choices import SealKind, SealState
from fangkong.home_isolation.models import DoorSeal
from fangkong.home_isolation.phases import home_phases_of
from fangkong.home_isolation.services._common import actor, check
from fangkong.home_isolation.states import SealMachine
from fangkong.people.models import Household, Person


def _members_in_home_phase(household: Household) -> list[int]:
    ids = list(Person.objects.filter(household=household).values_list("pk", flat=True))
    return list(home_phases_of(ids))


def fit_seal(household: Household, *, kind: str, number: str, consent: bool, by: Actor) -> DoorSeal:
    """Fit a seal or sensor on a household with someone in a home phase, with consent.
    A second seal on the same door, or a number in use elsewhere, is refused (Conflict)."""
    check(by, "home.manage", household.area, field="household")
    number = (number or "").strip()
    if kind not in SealKind.values:
        raise ValidationFailed(_("Kind: a seal or a door sensor."), field="kind")
    if not number or len(number) > 40:
        raise ValidationFailed(_("Number: the seal's number is required (at most 40)."),
                               field="number")  # fmt: skip
    if not consent:
        raise ValidationFailed(_("A seal is fitted only with the household's consent."),
                               field="consent")  # fmt: skip
    members = _members_in_home_phase(household)
    if not members:
        raise ValidationFailed(_("Nobody in this household is in home isolation."),
                               field="household")  # fmt: skip
    existing = DoorSeal.objects.filter(household=household).exclude(state=SealState.REMOVED).first()
    if existing is not None:
        raise Conflict(
            _("A seal is already fitted on this door (%(n)s); remove it first.")
            % {"n": existing.number},
            field="number",
            code="fitted",
        )
    try:
        with transaction.atomic():
            seal = DoorSeal.objects.create(
                household=household, area=household.area, kind=kind, number=number,
                consent=True, fitted_at=timezone.now(), fitted_by=by, created_by=by,
            )  # fmt: skip
            audit.record(audit.Action.CREATE, seal, by=by, after=audit.snapshot(seal))
            for pid in members:
                record_event(("people.person", pid), "home_seal_fitted",  # type: ignore[arg-type]
                             _("%(kind)s %(n)s fitted by %(actor)s with consent")
                             % {"kind": seal.get_kind_display(), "n": number, "actor": actor(by)},
                             by=by, area_id=household.area_id, data={"seal": seal.pk})  # fmt: skip
    except IntegrityError:
        raise Conflict(_("Seal %(n)s is fitted already.") % {"n": number}, field="number",
                       code="fitted") from None  # fmt: skip
    return seal


def remove_seal(seal: DoorSeal, *, by: Actor) -> DoorSeal:
    check(by, "home.manage", seal.area, field="seal")
    with transaction.atomic():
        seal = DoorSeal.objects.select_for_update().get(pk=seal.pk)
        SealMachine.perform(
            seal, SealState.REMOVED, by=by,
            also={"removed_at": timezone.now(), "removed_by": by},
        )  # fmt: skip
        for pid in Person.objects.filter(household_id=seal.household_id).values_list(
            "pk", flat=True
        ):
            record_event(("people.person", pid), "home_seal_removed",  # type: ignore[arg-type]
                         _("%(kind)s %(n)s removed by %(actor)s")
                         % {"kind": seal.get_kind_display(), "n": seal.number, "actor": actor(by)},
                         by=by, area_id=seal.area_id, data={"seal": seal.pk})  # fmt: skip
    return seal
