"""Where transfers meet their neighbours, so that nobody retypes a person:

- home isolation's placement queue: ``request_for_placement`` asks for the household's
  transfer and takes it off the queue (``home_isolation.services.take_for_placement``) in
  one transaction; a cancelled transfer puts it back (``return_to_placement``);
- cases: ``request_for_contact`` (a close contact to centralized isolation) and
  ``request_for_case`` (a case to the designated hospital);
- the arrival of a positive at the hospital records the case's transfer
  (``cases.services.record_handover``), by the crew member who handed over, and ends the
  stay of one picked up in an isolation site (``sites.services.release_batch``).

Every write stays the owning app's service; this module only reads the neighbours' rows
to know whom to ask for. ``source``/``source_ref`` on the request say where it came from:
``home_isolation``/assessment id, ``cases``/contact id (close contact) or case id
(positive)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person
from fangkong.transfers.choices import (
    OPEN_REQUEST_STATES,
    POSITIVE_KINDS,
    Priority,
    TransferKind,
)
from fangkong.transfers.models import TransferRequest
from fangkong.transfers.services.requests import request_transfer

FROM_HOME = "home_isolation"
FROM_CASES = "cases"


def open_request_from(source: str, kind: str, ref: Any) -> TransferRequest | None:
    """The open request that ``source`` asked for about its row ``ref``, if any."""
    return (
        TransferRequest.objects.filter(
            source=source, kind=kind, source_ref=str(ref), status__in=OPEN_REQUEST_STATES
        )
        .order_by("pk")
        .first()
    )


def source_of(req: TransferRequest) -> tuple[str, str]:
    """Where the request was asked from, for its page: (what, url), or ("", "") when it was
    asked for by hand."""
    from django.urls import reverse

    ref = req.source_ref
    if not ref.isdigit():
        return "", ""
    if req.source == FROM_HOME:
        url = reverse("home_isolation:assessment_detail", args=[int(ref)])
        return _("Home eligibility check"), url
    if req.source != FROM_CASES:
        return "", ""
    if req.kind == TransferKind.POSITIVE:
        return _("The case"), reverse("cases:case_detail", args=[int(ref)])
    from fangkong.cases.models import Contact

    case = Contact.objects.filter(pk=int(ref)).values_list("case_id", flat=True).first()
    return (
        (_("The case's contacts"), reverse("cases:case_detail", args=[case])) if case else ("", "")
    )


def request_for_placement(
    assessment: Any, *, by: Actor, priority: int = Priority.NORMAL
) -> TransferRequest:
    """The transfer of a household on the "needs centralized placement" queue (its home
    failed the eligibility check): one request for everyone living there, and the household
    taken off the queue, both or neither. Asking again while the request is open returns
    it and takes nothing twice; a household not awaiting placement (taken otherwise,
    cancelled, eligible) is refused by the placement machine (IllegalTransition)."""
    from fangkong.home_isolation.services import take_for_placement

    require(by, "transfer.request")
    require(by, "home.placement.take")
    require_area(by, assessment.area, field="assessment")
    with transaction.atomic():
        existing = open_request_from(FROM_HOME, TransferKind.HOME_INELIGIBLE, assessment.pk)
        if existing is not None:
            return existing
        persons = list(
            Person.objects.filter(pk__in=assessment.members, status=PersonStatus.ACTIVE)
            .select_related("area", "household__area")
            .order_by("pk")
        )
        if not persons:
            raise ValidationFailed(
                _("Nobody of this household is left in the registry to transfer."),
                field="assessment",
            )
        reasons = "; ".join(str(r.get("text", "")) for r in assessment.reasons or [])
        req = request_transfer(
            persons, TransferKind.HOME_INELIGIBLE, by=by, priority=priority,
            reason=reasons[:200], source=FROM_HOME, source_ref=str(assessment.pk),
        )  # fmt: skip
        take_for_placement(assessment, by=by, note=_("Transfer request #%(n)s") % {"n": req.pk})
    return req


def request_for_contact(
    contact: Any, *, by: Actor, priority: int = Priority.NORMAL
) -> TransferRequest:
    """A close contact (密接) to centralized isolation. Refused: a contact of a close
    contact (次密接: no transfer kind for them), one already in a site (ValidationFailed), one
    on another open request (Conflict). Asking again returns the same request."""
    from fangkong.cases.choices import ContactKind

    require(by, "transfer.request")
    require_area(by, contact.area, field="contact")
    if contact.kind != ContactKind.CLOSE:
        raise ValidationFailed(
            _("Only a close contact is sent to centralized isolation from here."),
            field="contact",
        )
    # the case by its number, not its name: the contact's area may not see the case's
    return request_transfer(
        [contact.person], TransferKind.CLOSE_CONTACT, by=by, priority=priority,
        reason=_("Close contact of case #%(n)s") % {"n": contact.case_id},
        source=FROM_CASES, source_ref=str(contact.pk),
    )  # fmt: skip


def request_for_case(case: Any, *, by: Actor, priority: int = Priority.NORMAL) -> TransferRequest:
    """A case (confirmed or asymptomatic) to the designated hospital, in a
    negative-pressure ambulance, picked up at home or, found in an isolation site, at the
    site (its stay ends at the hand-over: ``after_arrival``). Refused: a case whose
    transfer is recorded already or that is discharged (IllegalTransition). Asking again
    returns the same request."""
    from fangkong.cases.choices import CaseState
    from fangkong.cases.states import CaseMachine

    require(by, "transfer.request")
    require_area(by, case.area, field="case")
    if case.state != CaseState.REPORTED:
        raise CaseMachine.error(
            case, CaseState.TRANSFERRED, field="case",
            detail=_("A transfer is asked for a case not yet in a hospital."),
        )  # fmt: skip
    return request_transfer(
        [case.person], TransferKind.POSITIVE, by=by, priority=priority,
        reason=_("Case #%(n)s") % {"n": case.pk}, source=FROM_CASES, source_ref=str(case.pk),
    )  # fmt: skip


def after_cancel(req: TransferRequest, *, reason: str, by: Actor) -> None:
    """A cancelled transfer of a household from the placement queue puts it back there
    (the household still needs placing; the county sees it again with the reason and can
    cancel the placement itself if it is not needed any more)."""
    if req.source != FROM_HOME or req.kind != TransferKind.HOME_INELIGIBLE:
        return
    from fangkong.home_isolation.choices import PlacementState
    from fangkong.home_isolation.models import EligibilityAssessment
    from fangkong.home_isolation.services import return_to_placement

    ref = req.source_ref
    a = EligibilityAssessment.objects.filter(
        pk=int(ref) if ref.isdigit() else 0, placement_state=PlacementState.TAKEN
    ).first()
    if a is None:  # cancelled or placed otherwise meanwhile: nothing to give back
        return
    return_to_placement(
        a, by=by,
        reason_text=_("Transfer request #%(n)s cancelled: %(why)s") % {"n": req.pk, "why": reason},
    )  # fmt: skip


def after_arrival(
    req: TransferRequest, persons: list[Any], *, hospital: Any, trip: str, by: Actor,
    at: dt.datetime,
) -> None:  # fmt: skip
    """Positives handed over at the designated hospital: whoever was picked up in an
    isolation site leaves it now through the site's check-out
    (``sites.services.release_batch``: the stay ends saying why, the room goes into
    turnover once empty, control ends there: no home phase for someone in hospital); each
    one's open case is recorded as transferred there, by the crew member who handed over
    (see ``cases.services.record_handover``); someone without an open case: nothing."""
    if req.kind not in POSITIVE_KINDS or hospital is None:
        return
    from fangkong.cases.services import record_handover
    from fangkong.sites.choices import StayStatus
    from fangkong.sites.models import Stay
    from fangkong.sites.services import release_batch

    stays = list(Stay.objects.filter(person__in=persons, status=StayStatus.OPEN))
    if stays:
        why = _("Transferred to the designated hospital %(hospital)s (transfer #%(n)s)") % {
            "hospital": hospital.name,
            "n": req.pk,
        }
        release_batch(stays, by=by, early_reason=why[:200], handover=True, control_ends=True, at=at)
    for p in persons:
        record_handover(p, hospital=hospital.name, trip=trip, by=by, at=at)
