"""The command centre's decision on a case candidate (阳性待核): a confirmed case, or a
dismissal with its reason (a lab error, a negative retest). One decision per candidate: the
row is locked, so of two people deciding at once one wins and the other is told."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.cases.choices import CandidateState, CaseKind
from fangkong.cases.models import CaseCandidate
from fangkong.cases.services._common import actor_or_none, clean_text
from fangkong.cases.services.cases import register_from_candidate
from fangkong.cases.states import CandidateMachine
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import NotFound
from fangkong.core.notifications import notify, recipients
from fangkong.core.permissions import require, require_area
from fangkong.core.timeline import record_event

DECIDE = "case.candidate.decide"
FIELDS = ["state", "decided_by", "decided_at", "note"]
MAX_NOTE = 500


def open_candidate(
    person: Any, tube: Any, *, chain: list[dict[str, Any]], by: Actor | None
) -> CaseCandidate:
    """A positive single tube's person, for the command centre to decide on (called by the
    testing follow-up inside its transaction; the timeline event and the notices are its).
    One per person per positive tube: asked again for the same, it returns that one and
    tells nobody twice."""
    existing = CaseCandidate.objects.filter(person=person, tube=tube).first()
    if existing is not None:
        return existing
    candidate = CaseCandidate.objects.create(
        person=person,
        household=person.household,
        area=person.area,
        tube=tube,
        chain=chain,
        created_by=actor_or_none(by),
    )
    with translation.override(settings.LANGUAGE_CODE):  # the county works in Chinese
        title = _("Positive single tube in %(area)s: a case candidate to decide") % {
            "area": person.area.name
        }
    notify(recipients("testing.result.view", person.area), kind="positive", title=title,
           url=reverse("cases:candidates"), area=person.area)  # fmt: skip
    return candidate


def _locked(candidate: CaseCandidate, by: Actor) -> CaseCandidate:
    """The candidate read afresh and locked; another area's reads as not found."""
    row = (
        CaseCandidate.objects.select_for_update(of=("self",))
        .select_related("person__area", "tube", "decided_by")
        .filter(pk=candidate.pk)
        .first()
    )
    if row is None:
        raise NotFound(_("No such case candidate."), field="candidate")
    require_area(by, row.area, field="candidate")
    return row


def _decide(candidate: CaseCandidate, to: str, note: str, *, by: Actor) -> dict[str, Any]:
    """Move the locked candidate to ``to`` with who, when and the note; the snapshot before."""
    # decided meanwhile by someone else: one decision wins, the other is told by whom
    CandidateMachine.check(
        candidate,
        to,
        code="decided",
        detail=_("It was decided already by %(who)s at %(time)s.")
        % {
            "who": candidate.decided_by or _("someone"),
            "time": timezone.localtime(candidate.decided_at).strftime("%m-%d %H:%M")
            if candidate.decided_at
            else "—",
        },
    )
    before = audit.snapshot(candidate, FIELDS) or {}
    CandidateMachine.move(candidate, to)
    candidate.decided_by = by
    candidate.decided_at = timezone.now()
    candidate.note = note
    candidate.save(update_fields=[*FIELDS, "updated_at"])
    return before


def confirm_candidate(
    candidate: CaseCandidate,
    *,
    by: Actor,
    note: str = "",
    kind: str = CaseKind.CONFIRMED,
) -> CaseCandidate:
    """Confirm the candidate as a case. A person under control stays under the episode under
    way. One who is not is not put under control: no reason of the policy fits a confirmed
    case (its rules are for contacts, travellers and pool positives; a case goes to a
    designated hospital), so the timeline says so for the operators to act on. The case is
    registered with it (``kind``: confirmed case or asymptomatic infection), sampled when
    and where the tube was, and classified at once."""
    require(by, DECIDE)
    note = clean_text(note, field="note", max_length=MAX_NOTE)
    with transaction.atomic():
        candidate = _locked(candidate, by)
        before = _decide(candidate, CandidateState.CONFIRMED, note, by=by)
        case = register_from_candidate(candidate, kind=kind, by=by)
        from fangkong.control.selectors import active_episode_for

        episode = active_episode_for(candidate.person)
        if episode is not None:
            control = _("Stays under control: %(reason)s.") % {
                "reason": episode.get_reason_display()
            }
        else:
            control = _("Not under control: no control rule covers a confirmed case; "
                        "arrange the transfer to a designated hospital.")  # fmt: skip
        audit.record(
            audit.Action.UPDATE,
            candidate,
            by=by,
            before=before,
            after=audit.snapshot(candidate, FIELDS),
            detail=f"confirmed; episode {episode.pk if episode else '-'}",
        )
        summary = _("Confirmed as a case by %(actor)s (tube %(code)s). %(control)s") % {
            "actor": by,
            "code": candidate.tube.barcode,
            "control": control,
        }
        if note:
            summary += " " + _("Note: %(note)s") % {"note": note}
        record_event(
            candidate.person,
            "case_confirmed",
            summary,
            by=by,
            data={
                "candidate": candidate.pk,
                "tube": candidate.tube.barcode,
                "episode": episode.pk if episode else None,
                "note": note,
                "case": case.pk,
            },
        )
    return candidate


def dismiss_candidate(candidate: CaseCandidate, *, reason: str, by: Actor) -> CaseCandidate:
    """Dismiss the candidate with the reason (a lab error, a negative retest...). The
    person's control, if any, is left as it is."""
    require(by, DECIDE)
    reason = clean_text(reason, field="reason", max_length=MAX_NOTE,
                        missing=_("Say why the candidate is dismissed."))  # fmt: skip
    with transaction.atomic():
        candidate = _locked(candidate, by)
        before = _decide(candidate, CandidateState.DISMISSED, reason, by=by)
        audit.record(
            audit.Action.UPDATE,
            candidate,
            by=by,
            before=before,
            after=audit.snapshot(candidate, FIELDS),
            detail=f"dismissed: {reason}",
        )
        record_event(
            candidate.person,
            "case_dismissed",
            _("Case candidate (tube %(code)s) dismissed by %(actor)s: %(why)s")
            % {"code": candidate.tube.barcode, "actor": by, "why": reason},
            by=by,
            data={"candidate": candidate.pk, "tube": candidate.tube.barcode, "reason": reason},
        )
    return candidate
