"""Episodes: started under the rule in force, phases adjusted, cancelled."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.control.choices import EpisodeStatus, PhaseStatus
from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.control.rules import rule_in_force
from fangkong.control.selectors import local_date
from fangkong.control.services._common import (
    PHASE_FIELDS,
    _actor,
    _check,
    _kind_label,
    _place,
    _relay,
    _save_phase,
)
from fangkong.control.states import EpisodeMachine, PhaseMachine
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, IllegalTransition, ValidationFailed
from fangkong.core.logbatch import LogBatch
from fangkong.core.timeline import record_event
from fangkong.people.choices import PersonStatus
from fangkong.people.services.control_state import mark_under_control, sync_left_control
from fangkong.policy.choices import Reason

MAX_DAYS_AHEAD = 30


def _phase_summary(snapshot: dict[str, Any]) -> str:
    return " + ".join(
        _("%(days)d days %(kind)s") % {"days": p["days"], "kind": _kind_label(p["kind"])}
        for p in snapshot["phases"]
    )


def start_episode(
    person: Any,
    reason: str,
    *,
    start_date: dt.date | None = None,
    by: Actor | None,
    area_check: bool = True,
    logs: LogBatch | None = None,
) -> ControlEpisode:
    """Put a person under control for ``reason`` from ``start_date`` (today by default) under
    the rule in force that day, kept with the episode. Phases run back to back; the first is
    in progress. Refuses a person already under control (Conflict on ``person``) and, with
    ``area_check``, a person outside the user's areas (NotFound).

    The episode comes back with its phases in hand (``episode.phases.all()`` asks nothing).
    ``logs``: a caller writing its own rows in bulk (check-in) collects the audit row and the
    timeline event there instead; it then runs in the caller's transaction, no savepoint."""
    _check(by, person.area if area_check else None, field="person")
    if reason not in Reason.values:
        raise ValidationFailed(_("Unknown reason %(reason)r.") % {"reason": reason}, field="reason")
    if getattr(person, "status", PersonStatus.ACTIVE) != PersonStatus.ACTIVE:
        raise ValidationFailed(
            _("This person record was merged into another; use that one."), field="person"
        )
    today = timezone.localdate()
    start = start_date or today
    if start > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationFailed(
            _("The start date is more than %(n)d days ahead.") % {"n": MAX_DAYS_AHEAD},
            field="start_date",
        )
    rule = rule_in_force(reason, start, area=person.area)
    snapshot = copy.deepcopy(rule.snapshot)
    conflict = Conflict(
        _("%(name)s is already under control; complete or cancel that episode first.")
        % {"name": person},
        field="person",
    )
    own_logs = logs is None
    batch = logs if logs is not None else LogBatch()
    try:
        # A second active episode of the person is refused by the database
        # (uniq_active_episode_per_person): no lock and no look-up first; with our own
        # savepoint the caller's transaction stays usable after the refusal.
        with transaction.atomic(savepoint=own_logs):
            episode = ControlEpisode.objects.create(
                person=person,
                reason=reason,
                start_date=start,
                rule_set=rule.rule_set,
                rule_set_code=rule.rule_set.code,
                rule_snapshot=snapshot,
                area=person.area,
                created_by=by if getattr(by, "is_authenticated", False) else None,
            )
            phases = []
            day = start
            for order, rp in enumerate(snapshot["phases"], start=1):
                phase = ControlPhase(
                    episode=episode,
                    order=order,
                    kind=rp["kind"],
                    status=PhaseStatus.ACTIVE if order == 1 else PhaseStatus.PLANNED,
                )
                _place(episode, phase, day, rp["days"])
                day = phase.planned_end_date + dt.timedelta(days=1)
                phases.append(phase)
            ControlPhase.objects.bulk_create(phases)
            _hold_phases(episode, phases)
            mark_under_control(person)
            after = audit.snapshot(episode) or {}
            after["phases"] = [audit.snapshot(p, ["kind", *PHASE_FIELDS]) for p in phases]
            batch.audit(audit.Action.CREATE, episode, by=by, after=after)
            batch.event(
                person,
                "control_started",
                _("Under control: %(reason)s, %(phases)s from %(start)s to %(end)s (%(rules)s)")
                % {
                    "reason": Reason(reason).label,
                    "phases": _phase_summary(snapshot),
                    "start": start.isoformat(),
                    "end": phases[-1].planned_end_date.isoformat(),
                    "rules": rule.rule_set.code,
                },
                by=by,
                data={"episode": episode.pk, "reason": reason, "rule_set": rule.rule_set.code},
            )
            if own_logs:
                batch.write()
    except IntegrityError:  # the person is under control already, or a concurrent start won
        raise conflict from None
    return episode


def _hold_phases(episode: ControlEpisode, phases: list[ControlPhase]) -> None:
    """Put the phases just written where a prefetch would: ``episode.phases.all()`` then
    answers from memory."""
    qs = episode.phases.all()
    qs._result_cache = list(phases)
    qs._prefetch_done = True  # type: ignore[attr-defined]
    episode._prefetched_objects_cache = {"phases": qs}  # type: ignore[attr-defined]


def _locked_phase(phase: ControlPhase) -> ControlPhase:
    return (
        ControlPhase.objects.select_for_update()
        .select_related("episode", "episode__person")
        .get(pk=phase.pk)
    )


def adjust_phase(
    phase: ControlPhase, *, new_end_date: dt.date, reason_text: str, by: Actor | None
) -> ControlPhase:
    """Extend or shorten a phase to end on ``new_end_date``; the later phases move with it.
    A reason is required; who and why go to the audit log and the person's timeline."""
    _check(by)
    reason_text = (reason_text or "").strip()
    with transaction.atomic():
        phase = _locked_phase(phase)
        episode = phase.episode
        _check(by, episode.area)
        if episode.status != EpisodeStatus.ACTIVE or phase.status not in (
            PhaseStatus.PLANNED,
            PhaseStatus.ACTIVE,
        ):
            raise IllegalTransition(
                _("Only a planned phase or one in progress can be changed; this one is %(s)s.")
                % {"s": phase.get_status_display()},
                field="new_end_date",
            )
        if not reason_text:
            raise ValidationFailed(
                _("Say why the phase is made longer or shorter."), field="reason_text"
            )
        if new_end_date < phase.start_date:
            raise ValidationFailed(
                _("The new end must not be before the phase's start, %(date)s.")
                % {"date": phase.start_date.isoformat()},
                field="new_end_date",
            )
        delta = (new_end_date - phase.planned_end_date).days
        if delta == 0:
            raise ValidationFailed(
                _("The phase already ends on %(date)s.") % {"date": new_end_date.isoformat()},
                field="new_end_date",
            )
        old_end = phase.planned_end_date
        later = list(
            episode.phases.select_for_update()
            .filter(order__gt=phase.order, status=PhaseStatus.PLANNED)
            .order_by("order")
        )
        befores = {p.pk: audit.snapshot(p, PHASE_FIELDS) for p in [phase, *later]}
        _place(episode, phase, phase.start_date, (new_end_date - phase.start_date).days + 1)
        _relay(episode, later, new_end_date + dt.timedelta(days=1))
        detail = f"adjust: {reason_text}"
        for p in [phase, *later]:
            _save_phase(p, befores[p.pk], by=by, detail=detail)
        template = (
            _("%(kind)s extended by %(n)d days to %(end)s by %(actor)s: %(why)s")
            if delta > 0
            else _("%(kind)s shortened by %(n)d days to %(end)s by %(actor)s: %(why)s")
        )
        record_event(
            episode.person,
            "control_adjusted",
            template
            % {
                "kind": phase.get_kind_display(),
                "n": abs(delta),
                "end": new_end_date.isoformat(),
                "actor": _actor(by),
                "why": reason_text,
            },
            by=by,
            data={
                "episode": episode.pk,
                "phase": phase.pk,
                "old_end": old_end.isoformat(),
                "new_end": new_end_date.isoformat(),
                "reason": reason_text,
            },
        )
    return phase


def cancel_episode(
    episode: ControlEpisode, *, reason_text: str, by: Actor | None, on_date: dt.date | None = None
) -> ControlEpisode:
    """Call off an episode under way (entered in error, the person was not a contact...):
    its phase in progress ends on ``on_date`` (today by default), planned ones are dropped."""
    _check(by)
    reason_text = (reason_text or "").strip()
    day = local_date(on_date)
    with transaction.atomic():
        episode = (
            ControlEpisode.objects.select_for_update().select_related("person").get(pk=episode.pk)
        )
        _check(by, episode.area)
        EpisodeMachine.check(episode, EpisodeStatus.CANCELLED)
        if not reason_text:
            raise ValidationFailed(_("Say why the episode is cancelled."), field="reason_text")
        for phase in episode.phases.select_for_update().filter(
            PhaseMachine.q_sources(PhaseStatus.CANCELLED)
        ):
            ended = {}
            if phase.status == PhaseStatus.ACTIVE:
                ended["actual_end_date"] = max(day, phase.start_date)
            PhaseMachine.perform(
                phase,
                PhaseStatus.CANCELLED,
                by=by,
                also=ended,
                audit_fields=[*PHASE_FIELDS, "end_reason"],
                detail=f"cancel: {reason_text}",
            )
        EpisodeMachine.perform(
            episode,
            EpisodeStatus.CANCELLED,
            by=by,
            also={"end_date": day, "cancel_reason": reason_text},
            event="control_cancelled",
            event_subject=episode.person,
            summary=_("Control cancelled by %(actor)s: %(why)s")
            % {"actor": _actor(by), "why": reason_text},
            data={"episode": episode.pk, "reason": reason_text},
        )
        sync_left_control([episode.person_id])
    return episode
