"""The automatic close of home phases at their planned end (the nightly task), the review
list of those that did not close by themselves, and a phase extended or shortened."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.control.models import ControlPhase
from fangkong.control.services import adjust_phase, complete_phases
from fangkong.core.actors import Actor
from fangkong.core.db import chunks
from fangkong.core.errors import ValidationFailed
from fangkong.core.logbatch import LogBatch
from fangkong.home_isolation import sql
from fangkong.home_isolation.choices import ReviewState, SealState
from fangkong.home_isolation.models import CloseReview, DoorSeal, PortalLink
from fangkong.home_isolation.phases import active_home_phases, control_end
from fangkong.home_isolation.services._common import check
from fangkong.home_isolation.states import ReviewMachine, SealMachine
from fangkong.people.models import Person

CHUNK = 2000
REASON_TEXT = {
    "no_report": gettext_lazy("no health report today"),
    "symptoms": gettext_lazy("fever or symptoms reported today"),
    "test_pending": gettext_lazy("a test is pending"),
    "positive": gettext_lazy("a positive result or an open case candidate"),
}


@dataclass
class CloseResult:
    closed: int = 0
    to_review: int = 0


def _reasons(reported: bool, flagged: bool, pending: bool, positive: bool) -> list[str]:
    out = []
    if not reported:
        out.append("no_report")
    if flagged:
        out.append("symptoms")
    if pending:
        out.append("test_pending")
    if positive:
        out.append("positive")
    return out


def close_due_phases(day: dt.date | None = None, *, by: Actor | None = None) -> CloseResult:
    """Close every home phase due on ``day`` (today by default) whose person reported that
    day, without fever or symptoms, with no test pending or positive; the others go onto
    the review list with their reasons. Seals of homes left with nobody under home control
    are flagged for removal. Everything goes on the persons' timelines."""
    day = day or timezone.localdate()
    rows = sql.due_home_phases(day)
    result = CloseResult()
    closing = [r for r in rows if not _reasons(*r[4:])]
    reviewing = [r for r in rows if _reasons(*r[4:])]
    for part in chunks(closing, CHUNK):
        with transaction.atomic():
            complete_phases(
                [ControlPhase(pk=r[0], episode_id=r[1]) for r in part], by=by, on_date=day
            )
            _flag_seals([r[2] for r in part], by=by)
        result.closed += len(part)
    for part in chunks(reviewing, CHUNK):
        with transaction.atomic():
            made = CloseReview.objects.bulk_create(
                [
                    CloseReview(phase_id=r[0], person_id=r[2], area_id=r[3], day=day,
                                reasons=_reasons(*r[4:]))
                    for r in part
                ],
                ignore_conflicts=True,
            )  # fmt: skip
            logs = LogBatch()
            for r in part:
                why = ", ".join(str(REASON_TEXT[c]) for c in _reasons(*r[4:]))
                logs.event(("people.person", r[2]), "home_close_review",
                           _("Not closed at the planned end: %(why)s") % {"why": why},
                           area_id=r[3], data={"phase": r[0]})  # fmt: skip
            logs.write()
        result.to_review += len(made)
    return result


def _flag_seals(person_ids: list[int], *, by: Actor | None) -> int:
    households = set(
        Person.objects.filter(pk__in=person_ids, household__isnull=False).values_list(
            "household_id", flat=True
        )
    )
    if not households:
        return 0
    still = set(
        active_home_phases()
        .filter(episode__person__household_id__in=households)
        .values_list("episode__person__household_id", flat=True)
    )
    qs = DoorSeal.objects.filter(household_id__in=households - still, state=SealState.FITTED)
    seals = list(qs.values_list("pk", "household_id", "area_id", "number"))
    n = SealMachine.bulk(
        DoorSeal.objects.filter(pk__in=[s[0] for s in seals]), SealState.REMOVAL_DUE
    )
    logs = LogBatch()
    members = Person.objects.filter(household_id__in=[s[1] for s in seals]).values_list(
        "pk", "household_id"
    )
    number = {s[1]: s[3] for s in seals}
    for pid, hid in members:
        logs.event(("people.person", pid), "home_seal_removal_due",
                   _("Seal %(n)s to be removed: home control ended") % {"n": number[hid]},
                   by=by, data={"household": hid})  # fmt: skip
    logs.write()
    return n


def resolve_review(
    review: CloseReview,
    *,
    by: Actor,
    close: bool = False,
    new_end_date: dt.date | None = None,
    reason_text: str = "",
) -> CloseReview:
    """Decide a phase on the review list: close it now, or extend it to ``new_end_date``
    (with a reason), then the review is done."""
    check(by, "home.manage")
    with transaction.atomic():
        review = CloseReview.objects.select_for_update().select_related("phase").get(pk=review.pk)
        check(by, "home.manage", review.area, field="review")
        ReviewMachine.check(review, ReviewState.DONE)
        if close:
            complete_phases([review.phase], by=by, early_reason=reason_text)
            _flag_seals([review.person_id], by=by)
        elif new_end_date is not None:
            adjust_home_phase(
                review.phase, new_end_date=new_end_date, reason_text=reason_text, by=by
            )
        else:
            raise ValidationFailed(
                _("Close the phase or give a new end date."), field="new_end_date"
            )
        ReviewMachine.perform(review, ReviewState.DONE, by=by)
    return review


def adjust_home_phase(
    phase: ControlPhase, *, new_end_date: dt.date, reason_text: str, by: Actor
) -> ControlPhase:
    """Extend or shorten a home phase with a reason (control's ``adjust_phase``); the
    residents' links follow the new end."""
    check(by, "home.manage")
    with transaction.atomic():
        phase = adjust_phase(phase, new_end_date=new_end_date, reason_text=reason_text, by=by)
        end = control_end(phase) + dt.timedelta(days=settings.FANGKONG_PORTAL_GRACE_DAYS)
        PortalLink.objects.filter(
            person_id=phase.episode.person_id, revoked_at__isnull=True
        ).update(expires_at=timezone.make_aware(dt.datetime.combine(end, dt.time.max)))
    return phase
