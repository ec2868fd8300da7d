"""Working the door-to-door tasks (单采复核, 漏采补采): the single tube taken at the person's
door, a task called off with its reason, and the temporary control of a pool-positive
person ended once their single tube is reported negative."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.control.choices import EpisodeStatus
from fangkong.control.services import complete_phase
from fangkong.core.actors import Actor
from fangkong.core.errors import DomainError, NotFound, ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.testing.choices import (
    CandidateState,
    Outcome,
    RetestReason,
    RetestState,
    TubeState,
)
from fangkong.testing.models import CaseCandidate, RetestTask, TestingPoint
from fangkong.testing.services._common import clean_text
from fangkong.testing.services.followup import POOL_REASON
from fangkong.testing.services.sampling import check_round_open, sample
from fangkong.testing.states import RetestMachine

TASK_FIELDS = ["state", "retest_tube", "done_at", "done_by", "cancel_reason"]
MAX_REASON = 200  # RetestTask.cancel_reason holds this much


def _locked(task: RetestTask, by: Actor) -> RetestTask:
    """The task read afresh and locked; another area's task reads as not found."""
    row = (
        RetestTask.objects.select_for_update(of=("self",))
        .select_related("person__area", "round")
        .filter(pk=task.pk)
        .first()
    )
    if row is None:
        raise NotFound(_("No such retest task."), field="task")
    require_area(by, row.area, field="task")
    return row


def _check_open(task: RetestTask, to: str) -> None:
    # a task done or called off meanwhile (by someone else, or a double tap) is a conflict
    RetestMachine.check(task, to, code="task_closed")


def _point_for(by: Actor, point: TestingPoint | None) -> TestingPoint:
    """The point given, or the only one the user samples for."""
    if point is not None:
        return point
    from fangkong.testing.selectors import sampling_points_for

    points = list(sampling_points_for(by)[:2])
    if len(points) != 1:
        raise ValidationFailed(_("Choose the testing point you sample for."), field="point")
    return points[0]


def record_retest_sample(
    task: RetestTask, *, tube_barcode: str, by: Actor, point: TestingPoint | None = None
) -> RetestTask:
    """Record the single tube taken at the person's door for an open task: a new single tube
    with the person as its only swab (``sampling.sample`` makes it), the task sampled.
    ``point``: the testing point the sampler works for (by default the only one they serve).
    Refuses a task done or cancelled (Conflict), a tube barcode used before (Conflict on
    ``tube``), a task outside the user's areas (NotFound). A missed person (漏采补采) is
    sampled within the round's time and not twice in it; a pool-positive retest at any
    time after."""
    require(by, "testing.sample")
    with transaction.atomic():
        task = _locked(task, by)
        _check_open(task, RetestState.SAMPLED)
        if task.round is None:
            raise ValidationFailed(_("This task belongs to no screening round."), field="task")
        pool_positive = task.reason == RetestReason.POOL_POSITIVE
        if not pool_positive:
            check_round_open(task.round)
        res = sample(
            task.round, _point_for(by, point), person=task.person, tube_barcode=tube_barcode,
            by=by, confirm_repeat=pool_positive, retest=True,
        )  # fmt: skip
        RetestMachine.perform(
            task,
            RetestState.SAMPLED,
            by=by,
            also={"retest_tube": res.tube, "done_at": res.member.sampled_at, "done_by": by},
            audit_fields=TASK_FIELDS,
            detail="retest sampled",
            event="retest_sampled",
            event_subject=task.person,
            summary=_("Door-to-door single tube %(code)s taken by %(actor)s (%(reason)s)")
            % {"code": res.tube.barcode, "actor": by, "reason": task.get_reason_display()},
            data={"task": task.pk, "tube": res.tube.barcode, "reason": task.reason},
        )
    return task


def cancel_retest(task: RetestTask, *, reason_text: str, by: Actor) -> RetestTask:
    """Call off an open task with the reason (taken to hospital, moved away, sampled
    elsewhere); who and why go to the audit log and the person's timeline."""
    require(by, "testing.manage")
    reason_text = clean_text(reason_text, field="reason", max_length=MAX_REASON,
                             missing=_("Say why the task is cancelled."))  # fmt: skip
    with transaction.atomic():
        task = _locked(task, by)
        _check_open(task, RetestState.CANCELLED)
        RetestMachine.perform(
            task,
            RetestState.CANCELLED,
            by=by,
            also={"cancel_reason": reason_text, "done_at": timezone.now(), "done_by": by},
            audit_fields=TASK_FIELDS,
            detail=f"retest cancelled: {reason_text}",
            event="retest_cancelled",
            event_subject=task.person,
            summary=_("Door-to-door task (%(reason)s) cancelled by %(actor)s: %(why)s")
            % {"reason": task.get_reason_display(), "actor": by, "why": reason_text},
            data={"task": task.pk, "reason": task.reason, "why": reason_text},
        )
    return task


def end_pool_control_after_negative_retests(tube_ids: Iterable[int]) -> list[int]:
    """Among tubes just reported, the negative single tubes of pool-positive retests end the
    temporary control (混管阳性待复核) their task was made for, today: the phase in progress
    completes early, by the system, with the retest as the reason (with the shipped rules,
    one phase: the episode ends). Not while anything else still points at the person: an
    open case candidate, or another retest of the same control not yet reported negative.
    Control for another reason, or a later episode, is left alone. Call inside the
    publishing transaction. Returns the persons whose phase was completed."""
    tasks = list(
        RetestTask.objects.filter(
            retest_tube_id__in=list(tube_ids),
            reason=RetestReason.POOL_POSITIVE,
            retest_tube__result__outcome=Outcome.NEGATIVE,
            episode__status=EpisodeStatus.ACTIVE,
            episode__reason=POOL_REASON,
        )
        .select_related("retest_tube")
        .prefetch_related("episode__phases")
        .order_by("pk")
    )
    if not tasks:
        return []
    persons = [t.person_id for t in tasks]
    with_candidate = set(
        CaseCandidate.objects.filter(person_id__in=persons, state=CandidateState.OPEN)
        .values_list("person_id", flat=True)
    )  # fmt: skip
    settled = Q(state=RetestState.CANCELLED) | Q(
        retest_tube__state=TubeState.REPORTED, retest_tube__result__outcome=Outcome.NEGATIVE
    )
    waiting = set(
        RetestTask.objects.filter(episode_id__in={t.episode_id for t in tasks})
        .exclude(settled)
        .values_list("episode_id", flat=True)
    )
    done = []
    for task in tasks:
        if task.person_id in with_candidate or task.episode_id in waiting:
            continue
        phase = task.episode.current_phase
        if phase is None:
            continue
        why = _("Single-tube retest %(code)s negative") % {"code": task.retest_tube.barcode}
        try:
            with transaction.atomic():
                complete_phase(phase, by=None, early_reason=str(why))
        except DomainError:  # the phase changed meanwhile: the operators see it as it is
            continue
        done.append(task.person_id)
    return done
