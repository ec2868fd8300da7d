"""The eligibility check before home isolation (居家隔离条件评估): per household, recorded
with the answers and the rule set's conditions; a household that fails goes onto the
"needs centralized placement" queue, which the transfers app takes households from."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.notifications import notify, recipients
from fangkong.core.timeline import record_event
from fangkong.home_isolation.choices import Condition, Effect, Origin, Outcome, PlacementState
from fangkong.home_isolation.models import EligibilityAssessment
from fangkong.home_isolation.services._common import actor, age_on, check, user_or_none
from fangkong.home_isolation.services.gate import close_checks
from fangkong.home_isolation.states import PlacementMachine
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person
from fangkong.policy.home import home_policy

ANSWER_KEYS = (
    "lives_alone",
    "own_room",
    "own_bathroom",
    "shared_bathroom_cleaned",
    "shared_central_ac",
    "collective_dormitory",
    "children_with_parent",
    "dependants",
    "carer_ill",
)


@dataclass
class Answers:
    """What the cadre found at the home."""

    lives_alone: bool = False
    own_room: bool = False
    own_bathroom: bool = False
    shared_bathroom_cleaned: bool = False
    shared_central_ac: bool = False
    collective_dormitory: bool = False
    children_with_parent: bool = False
    dependants: bool = False  # someone in the home depends on a carer
    carer_ill: bool = False
    carer: Person | None = None
    note: str = ""


def _unmet(code: str, a: Answers, members: list[Person], block: dict, carer: Person | None) -> bool:
    """Whether condition ``code`` is not met by the home (before any ``unless``)."""
    today = timezone.localdate()
    if code == Condition.OWN_ROOM:
        return not (a.lives_alone or a.own_room)
    if code == Condition.OWN_BATHROOM:
        return not (a.lives_alone or a.own_bathroom)
    if code == Condition.NO_SHARED_AC:
        return a.shared_central_ac
    if code == Condition.NOT_DORMITORY:
        return a.collective_dormitory
    if code == Condition.CHILD_WITH_PARENT:
        limit = block.get("child_max_age", 14)
        children = [m for m in members if (age_on(m.birth_date, today) or 99) <= limit]
        return bool(children) and not a.children_with_parent
    if code == Condition.DEPENDANT_WITH_CARER:
        return a.dependants and carer is None
    if code == Condition.CARER_FIT:
        if not a.dependants or carer is None:
            return False
        age = age_on(carer.birth_date, today)
        return a.carer_ill or (age is not None and age >= block.get("elderly_age", 65))
    return False


def _evaluate(
    a: Answers, members: list[Person], block: dict, carer: Person | None
) -> tuple[str, list[dict[str, str]]]:
    outcome = Outcome.ELIGIBLE
    reasons = []
    for cond in block.get("conditions", []):
        code = cond["code"]
        if not _unmet(code, a, members, block, carer):
            continue
        unless = cond.get("unless")
        if unless and getattr(a, unless, False):
            continue
        effect = cond.get("effect", Effect.REFUSE)
        reasons.append({"code": code, "effect": effect, "text": str(Condition(code).label)})
        if effect == Effect.REFUSE:
            outcome = Outcome.INELIGIBLE
    return outcome, reasons


def assess_household(
    person: Person, answers: Answers, *, origin: str, by: Actor
) -> EligibilityAssessment:
    """Record whether ``person``'s home qualifies for home isolation under the conditions of
    the rule set in force, with everyone living there (isolated with the person). A home
    that fails goes onto the "needs centralized placement" queue with the reasons, and the
    site managers and the county are told. Refuses a person outside the user's areas
    (NotFound on ``person``), an unknown origin, a carer from another home."""
    check(by, "home.assess", person.area, field="person")
    if origin not in Origin.values:
        raise ValidationFailed(_("Unknown origin %(o)r.") % {"o": origin}, field="origin")
    if person.status != PersonStatus.ACTIVE:
        raise ValidationFailed(_("This person record was merged into another."), field="person")
    today = timezone.localdate()
    code, block = home_policy(today, person.area)
    if not block:
        raise ValidationFailed(
            _("No rule set in force says what a home must meet; load one first."),
            field="rule_set",
        )
    members = [person]
    if person.household_id:
        members += list(
            Person.objects.filter(household_id=person.household_id, status=PersonStatus.ACTIVE)
            .exclude(pk=person.pk)
            .order_by("pk")
        )
    carer = answers.carer
    if carer is not None and carer.pk not in {m.pk for m in members}:
        raise ValidationFailed(_("The carer must live in the same home."), field="carer")
    outcome, reasons = _evaluate(answers, members, block, carer)
    note = (answers.note or "").strip()[:200]
    with transaction.atomic():
        a = EligibilityAssessment.objects.create(
            person=person,
            household_id=person.household_id,
            area=person.area,
            origin=origin,
            answers={k: bool(getattr(answers, k)) for k in ANSWER_KEYS} | {"note": note},
            members=[m.pk for m in members],
            carer=carer,
            outcome=outcome,
            reasons=reasons,
            rule_set_code=code,
            conditions=block,
            placement_state=(
                PlacementState.AWAITING
                if outcome == Outcome.INELIGIBLE
                else PlacementState.NOT_NEEDED
            ),
            placement_changed_at=timezone.now() if outcome == Outcome.INELIGIBLE else None,
            created_by=user_or_none(by),
        )
        audit.record(audit.Action.CREATE, a, by=by, after=audit.snapshot(a))
        close_checks(a)  # off the village's list of homes to check
        why = "; ".join(r["text"] for r in reasons) or "—"
        summary = (
            _(
                "Home eligible for isolation (%(n)d living there), checked by %(actor)s; notes: %(why)s"
            )
            if outcome == Outcome.ELIGIBLE
            else _(
                "Home not eligible, needs centralized placement (%(n)d living there), checked by %(actor)s: %(why)s"
            )
        ) % {"n": len(members), "actor": actor(by), "why": why}
        record_event(person, "home_assessed", summary, by=by,
                     data={"assessment": a.pk, "outcome": outcome})  # fmt: skip
        if outcome == Outcome.INELIGIBLE:
            transaction.on_commit(lambda: _tell_placement(a))
    return a


def _tell_placement(a: EligibilityAssessment) -> None:
    notify(
        recipients("home.placement.take", a.area),
        kind="home.placement",
        title=_("A household needs centralized placement: %(n)d persons") % {"n": len(a.members)},
        url=a.get_absolute_url(),
        area=a.area,
    )


def _move(
    assessment: EligibilityAssessment, target: str, *, by: Actor, permission: str, note: str,
    event: str, summary: str,
) -> EligibilityAssessment:  # fmt: skip
    """One move of a household's placement, on the locked row, with its note and event."""
    with transaction.atomic():
        a = EligibilityAssessment.objects.select_for_update().get(pk=assessment.pk)
        check(by, permission, a.area, field="assessment")
        PlacementMachine.perform(
            a, target, by=by, also={"placement_note": note}, event=event,
            event_subject=a.person, summary=summary, data={"assessment": a.pk},
        )  # fmt: skip
    return a


def take_for_placement(
    assessment: EligibilityAssessment, *, by: Actor, note: str = ""
) -> EligibilityAssessment:
    """Take a household off the "needs centralized placement" queue (the transfers app
    calls this when it creates the transfer). Taking one twice is an illegal move."""
    check(by, "home.placement.take")
    return _move(
        assessment, PlacementState.TAKEN, by=by, permission="home.placement.take",
        note=(note or "").strip()[:200], event="home_placement_taken",
        summary=_("Taken for centralized placement by %(actor)s") % {"actor": actor(by)},
    )  # fmt: skip


def return_to_placement(
    assessment: EligibilityAssessment, *, reason_text: str, by: Actor
) -> EligibilityAssessment:
    """Put a household taken for transfer back on the queue: its transfer was cancelled
    (the transfers app calls this) and it still needs centralized placement. The queue's
    watchers are told again; ``placement_note`` says why it is back."""
    check(by, "home.placement.take")
    reason_text = (reason_text or "").strip()[:200]
    if not reason_text:
        raise ValidationFailed(_("Say why the household is back on the queue."),
                               field="reason_text")  # fmt: skip
    with transaction.atomic():
        a = _move(
            assessment, PlacementState.AWAITING, by=by, permission="home.placement.take",
            note=reason_text, event="home_placement_returned",
            summary=_("Back on the centralized placement queue (%(actor)s): %(why)s")
            % {"actor": actor(by), "why": reason_text},
        )  # fmt: skip
        transaction.on_commit(lambda: _tell_placement(a))
    PlacementMachine.follow(assessment, a, "placement_note")
    return a


def cancel_placement(
    assessment: EligibilityAssessment, *, reason_text: str, by: Actor
) -> EligibilityAssessment:
    """Take a household off the queue without placement (assessed again, moved away)."""
    check(by, "home.assess")
    reason_text = (reason_text or "").strip()[:200]
    if not reason_text:
        raise ValidationFailed(_("Say why the placement is cancelled."), field="reason_text")
    return _move(
        assessment, PlacementState.CANCELLED, by=by, permission="home.assess", note=reason_text,
        event="home_placement_cancelled",
        summary=_("Centralized placement cancelled by %(actor)s: %(why)s")
        % {"actor": actor(by), "why": reason_text},
    )  # fmt: skip
