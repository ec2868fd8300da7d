"""Registering a case (确诊病例 / 无症状感染者): from a confirmed case candidate, by hand or
from a workbook; classified at once as found under control (管控中发现) or in the community
(社会面发现) from the person's control at sampling time; the transfer to a designated
hospital recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.cases.choices import CaseKind, CaseOrigin, CaseState, FoundWhere
from fangkong.cases.models import Case, CaseCandidate, Contact
from fangkong.cases.services._common import actor_or_none, clean_text
from fangkong.cases.states import CaseMachine
from fangkong.control.choices import PhaseStatus
from fangkong.control.models import ControlPhase
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, ValidationFailed
from fangkong.core.notifications import notify, recipients
from fangkong.core.permissions import require, require_area
from fangkong.core.timeline import record_event
from fangkong.people.choices import PersonStatus
from fangkong.policy.choices import PhaseKind

REGISTER = "case.register"
TRANSFER = "case.transfer"
FIELDS = ["kind", "origin", "sampled_at", "sampling_place", "reported_at", "found",
          "found_basis", "source_contact", "cluster", "state", "area"]  # fmt: skip
# Which kinds of control count as "under control" at sampling time. Sources differ (some
# count home health monitoring, or finds inside a sealed high-risk area, as community):
# FANGKONG_CASES_UNDER_CONTROL_PHASES in the settings replaces this list.
DEFAULT_UNDER_CONTROL_PHASES = (PhaseKind.CENTRALIZED_ISOLATION, PhaseKind.HOME_ISOLATION)


def under_control_phases() -> tuple[str, ...]:
    kinds = getattr(settings, "FANGKONG_CASES_UNDER_CONTROL_PHASES", DEFAULT_UNDER_CONTROL_PHASES)
    return tuple(str(k) for k in kinds)


def classify(person: Any, sampled_at: dt.datetime) -> tuple[str, str]:
    """Where a case was found: under control when, on the local day of the sampling, the
    person was in a phase of a kind that counts (the setting); else in the community. With
    the phase kind it was decided by ("" for the community)."""
    day = timezone.localdate(sampled_at)
    phase = (
        ControlPhase.objects.filter(
            episode__person=person, kind__in=under_control_phases(), start_date__lte=day
        )
        .exclude(status__in=[PhaseStatus.CANCELLED, PhaseStatus.PLANNED])
        .filter(
            Q(actual_end_date__gte=day) | Q(actual_end_date__isnull=True, status=PhaseStatus.ACTIVE)
        )
        .order_by("-start_date")
        .first()
    )
    if phase is None:
        return FoundWhere.COMMUNITY, ""
    return FoundWhere.UNDER_CONTROL, phase.kind


def _check_times(sampled_at: Any, reported_at: dt.datetime) -> dt.datetime:
    if not isinstance(sampled_at, dt.datetime):
        raise ValidationFailed(_("Give the date and time of the sampling."), field="sampled_at")
    if timezone.is_naive(sampled_at):
        sampled_at = timezone.make_aware(sampled_at)
    if sampled_at > reported_at:
        raise ValidationFailed(
            _("The sampling cannot come after the report (%(at)s).")
            % {"at": timezone.localtime(reported_at).strftime("%Y-%m-%d %H:%M")},
            field="sampled_at",
        )
    if sampled_at < reported_at - dt.timedelta(days=30):
        raise ValidationFailed(
            _("The sampling is more than 30 days before the report."), field="sampled_at"
        )
    return sampled_at


def _source_contact(person: Any, before: dt.datetime) -> Contact | None:
    """The person's latest registration as a contact before the report, if any."""
    return (
        Contact.objects.filter(person=person, created_at__lte=before)
        .select_related("case")
        .order_by("-created_at", "-pk")
        .first()
    )


def register_case(
    person: Any,
    *,
    kind: str,
    sampled_at: Any,
    sampling_place: str,
    by: Actor,
    reported_at: dt.datetime | None = None,
    note: str = "",
) -> Case:
    """Register a case by hand (the investigators' and the command centre's)."""
    require(by, REGISTER)
    require_area(by, person.area, field="person")
    return _register(person, kind=kind, sampled_at=sampled_at, sampling_place=sampling_place,
                     by=by, reported_at=reported_at, note=note, origin=CaseOrigin.MANUAL)  # fmt: skip


def register_from_candidate(candidate: CaseCandidate, *, kind: str, by: Actor) -> Case:
    """The case of a confirmed candidate: sampled when and where its tube was."""
    from fangkong.testing.models import TubeMember

    member = (
        TubeMember.objects.filter(tube_id=candidate.tube_id, person_id=candidate.person_id)
        .order_by("sampled_at")
        .first()
    )
    tube = candidate.tube
    sampled_at = member.sampled_at if member else (tube.first_sampled_at or candidate.created_at)
    return _register(candidate.person, kind=kind, sampled_at=sampled_at,
                     sampling_place=str(tube.point)[:200], by=by, origin=CaseOrigin.CANDIDATE,
                     candidate=candidate, note=candidate.note)  # fmt: skip


def _register(
    person: Any,
    *,
    kind: str,
    sampled_at: Any,
    sampling_place: str,
    by: Actor,
    origin: str,
    reported_at: dt.datetime | None = None,
    candidate: CaseCandidate | None = None,
    note: str = "",
) -> Case:
    if kind not in CaseKind.values:
        raise ValidationFailed(_("Choose confirmed case or asymptomatic infection."), field="kind")
    if getattr(person, "status", PersonStatus.ACTIVE) != PersonStatus.ACTIVE:
        raise ValidationFailed(
            _("This person record was merged into another; use that one."), field="person"
        )
    reported_at = reported_at or timezone.now()
    sampled_at = _check_times(sampled_at, reported_at)
    place = clean_text(sampling_place, field="sampling_place", max_length=200,
                       missing=_("Say where the sample was taken."))  # fmt: skip
    note = clean_text(note, field="note", max_length=500)
    found, basis = classify(person, sampled_at)
    source = _source_contact(person, reported_at)
    duplicate = Conflict(
        _("%(name)s is registered as a case already.") % {"name": person}, field="person"
    )
    try:
        with transaction.atomic():
            case = Case.objects.create(
                person=person, area=person.area, kind=kind, origin=origin, candidate=candidate,
                sampled_at=sampled_at, sampling_place=place, reported_at=reported_at,
                reported_on=timezone.localdate(reported_at), found=found, found_basis=basis,
                source_contact=source, cluster=source.case.cluster if source else None,
                note=note, created_by=actor_or_none(by),
            )  # fmt: skip
            if case.cluster is None:
                case.cluster = case.pk
                case.save(update_fields=["cluster"])
            audit.record(audit.Action.CREATE, case, by=by, after=audit.snapshot(case, FIELDS))
            record_event(
                person, "case_registered",
                _("Registered as %(kind)s, %(found)s (sampled %(at)s at %(place)s)")
                % {"kind": case.get_kind_display(), "found": case.get_found_display(),
                   "at": timezone.localtime(sampled_at).strftime("%Y-%m-%d %H:%M"),
                   "place": place},
                by=by, data={"case": case.pk, "found": found, "basis": basis},
            )  # fmt: skip
            _tell_the_area(case)
    except IntegrityError:  # one case per person (uniq_case_per_person)
        raise duplicate from None
    return case


def _tell_the_area(case: Case) -> None:
    """A notice under the bell of the users of the case's area (and the county's)."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("New %(kind)s in %(area)s, %(found)s") % {
            "kind": case.get_kind_display(),
            "area": case.area.name,
            "found": case.get_found_display(),
        }
    notify(recipients("case.view", case.area), kind="case", title=title,
           url=reverse("cases:case_detail", args=[case.pk]), area=case.area)  # fmt: skip


def record_transfer(
    case: Case,
    *,
    hospital: str,
    by: Actor,
    at: dt.datetime | None = None,
    handover: str = "",
) -> Case:
    """The case is in a designated hospital (the transfers work carries it out and calls
    this when the patient is handed over).

    ``handover``: the trip that handed the patient over (transfers' arrival, see
    ``record_handover``); the crew's permission to run the trip stands for "case.transfer"
    then, as it does for a site's check-in, and the audit and the timeline name the crew
    member and the trip."""
    require(by, "transfer.trip.run" if handover else TRANSFER)
    require_area(by, case.area, field="case")
    hospital = clean_text(hospital, field="hospital", max_length=100,
                          missing=_("Name the designated hospital."))  # fmt: skip
    at = at or timezone.now()
    if at < case.reported_at:
        raise ValidationFailed(_("The transfer cannot come before the report."), field="at")
    summary = _("Transferred to the designated hospital %(hospital)s") % {"hospital": hospital}
    detail = f"to {hospital}"
    if handover:
        summary = _("%(summary)s, handed over by %(actor)s (trip %(trip)s)") % {
            "summary": summary, "actor": by, "trip": handover,
        }  # fmt: skip
        detail = f"{detail}, handed over on trip {handover}"
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
        CaseMachine.perform(
            locked, CaseState.TRANSFERRED, by=by,
            also={"hospital": hospital, "transferred_at": at},
            detail=detail, event="case_transferred", event_subject=locked.person,
            summary=summary, data={"case": case.pk, **({"trip": handover} if handover else {})},
        )  # fmt: skip
    CaseMachine.follow(case, locked, "hospital", "transferred_at")
    return case


def record_handover(
    person: Any, *, hospital: str, trip: str, by: Actor, at: dt.datetime | None = None
) -> Case | None:
    """A positive handed over at the designated hospital by a transfer trip: the person's
    open case (reported, not yet in a hospital) is recorded as transferred, by the crew
    member who handed over (``record_transfer(..., handover=trip)``). No open case (none
    registered, or its transfer recorded already): nothing to record, no error."""
    case = (
        Case.objects.filter(person=person, state=CaseState.REPORTED).select_related("area").first()
    )
    if case is None:
        return None
    return record_transfer(case, hospital=hospital, by=by, at=at, handover=trip)
