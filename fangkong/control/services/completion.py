"""Phases completed one by one or many at once (release of a batch), the next phase
started, the episode completed after its last phase."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.control import sql
from fangkong.control.choices import EpisodeStatus, PhaseStatus
from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.control.selectors import local_date
from fangkong.control.services._common import (
    PHASE_FIELDS,
    _actor,
    _check,
    _relay,
)
from fangkong.control.states import EpisodeMachine, PhaseMachine
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.db import statements
from fangkong.core.db.vendor import is_postgres
from fangkong.core.errors import Conflict, ValidationFailed
from fangkong.core.logbatch import LogBatch
from fangkong.people.services.control_state import sync_left_control

# What other apps do when a phase starts by itself after the one before it (home
# isolation's eligibility gate): each hook gets the phases just started, in the completing
# transaction, with the log batch to add its audit rows and timeline events to.
PhaseStartHook = Callable[[list[ControlPhase], Actor | None, LogBatch], None]
_on_start: list[PhaseStartHook] = []


def on_phase_start(hook: PhaseStartHook) -> PhaseStartHook:
    """Register ``hook`` (once, at start-up: an app's ``ready``)."""
    if hook not in _on_start:
        _on_start.append(hook)
    return hook


def complete_phase(
    phase: ControlPhase,
    *,
    by: Actor | None,
    on_date: dt.date | None = None,
    early_reason: str = "",
) -> ControlPhase | None:
    """Close the phase in progress on ``on_date`` (today by default) and start the next one
    that same day (its dates laid out again from it: released from a site today, at home
    from today, day 1), or complete the episode after the last. Before the planned end a
    reason is required (``early_reason``; after the planned end it may carry the reason for
    the overstay). Returns the phase now in progress, or None when the episode is complete."""
    return complete_phases([phase], by=by, on_date=on_date, early_reason=early_reason)[0]


def _phases_to_complete(episode_ids: list[int]) -> QuerySet[ControlPhase]:
    return (
        ControlPhase.objects.select_for_update(of=("self",))
        .filter(episode_id__in=episode_ids)
        # the person's name for the episode's audit line (str(episode)); not their
        # encrypted numbers
        .select_related("episode__area", "episode__person")
        .defer("episode__person__id_number", "episode__person__phone")
        .annotate(_person_area_id=F("episode__person__area_id"))
        .order_by()
    )


def complete_phases(
    phases: Iterable[ControlPhase],
    *,
    by: Actor | None,
    on_date: dt.date | None = None,
    early_reason: str = "",
    logs: LogBatch | None = None,
    last: bool = False,
) -> list[ControlPhase | None]:
    """``complete_phase`` for many phases at once, in a handful of queries whatever their
    number: for each phase, in order, the same checks, changes, audit rows and timeline
    events as calling ``complete_phase`` on them one after the other. All or nothing: the
    first refusal (the error ``complete_phase`` would raise for that phase) leaves every
    phase as it was. Returns, per phase, the phase now in progress or None.

    ``logs``: collect the audit rows and timeline events there instead of writing them (a
    caller that writes its own rows in bulk, in the same transaction).

    ``last``: control ends with these phases (a positive taken from a site to the
    designated hospital, where the case takes over): the phases planned after them are
    called off with ``early_reason`` and the episodes complete; no next phase starts."""
    _check(by)
    phases = list(phases)
    early_reason = (early_reason or "").strip()
    day = local_date(on_date)
    today = timezone.localdate()
    if not phases:
        return []
    batch = LogBatch() if logs is None else logs
    # Every refusal comes before the first write: a caller collecting the rows needs no
    # savepoint of ours.
    with transaction.atomic(savepoint=logs is None):
        # Every phase of the episodes concerned (two or three each), locked (a concurrent
        # adjust or cancel of the same episode waits) and read afresh.
        rows = sorted(
            statements.fetch(
                "control.complete_phases",
                _phases_to_complete,
                sorted({p.episode_id for p in phases}),
            ),
            key=lambda p: (p.episode_id, p.order),
        )
        fresh: dict[int, ControlPhase] = {}
        by_episode: dict[int, list[ControlPhase]] = {}
        episodes: dict[int, ControlEpisode] = {}
        for row in rows:
            # one episode object per episode, shared by its phases
            row.episode = episodes.setdefault(row.episode_id, row.episode)
            fresh[row.pk] = row
            by_episode.setdefault(row.episode_id, []).append(row)
        completed: list[ControlPhase] = []
        moved: dict[int, ControlPhase] = {}
        finished: list[ControlEpisode] = []
        dropped: list[ControlPhase] = []
        results: list[ControlPhase | None] = []
        for given in phases:
            if given.pk not in fresh:
                raise ControlPhase.DoesNotExist("ControlPhase matching query does not exist.")
            phase = fresh[given.pk]
            results.append(
                _complete_in_memory(
                    phase,
                    by_episode[phase.episode_id],
                    day=day,
                    today=today,
                    early_reason=early_reason,
                    by=by,
                    logs=batch,
                    completed=completed,
                    moved=moved,
                    finished=finished,
                    dropped=dropped if last else None,
                )
            )
        _write_completions(completed, list(moved.values()), finished, day=day)
        if dropped:
            cancelled = PhaseStatus.CANCELLED
            done = statements.update(
                ControlPhase,
                [p.pk for p in dropped],
                {"status": cancelled, "end_reason": early_reason},
                where=[("status", "in", PhaseMachine.sources(cancelled))],
            )
            if done != len(dropped):
                raise Conflict(_("Someone else changed these phases meanwhile."), field="phase")
        sync_left_control(e.person_id for e in finished)
        started = list({p.pk: p for p in results if p is not None}.values())
        for hook in _on_start if started else ():
            hook(started, by, batch)
        if logs is None:
            batch.write()
    return results


def _complete_in_memory(
    phase: ControlPhase,
    siblings: list[ControlPhase],
    *,
    day: dt.date,
    today: dt.date,
    early_reason: str,
    by: Actor | None,
    logs: LogBatch,
    completed: list[ControlPhase],
    moved: dict[int, ControlPhase],
    finished: list[ControlEpisode],
    dropped: list[ControlPhase] | None = None,
) -> ControlPhase | None:
    """Check and complete one phase on the objects in hand, recording its log rows; the
    caller writes the changed rows. ``dropped``: control ends here, the later phases are
    called off (collected there)."""
    episode = phase.episode
    _check(by, episode.area)
    PhaseMachine.check(phase, PhaseStatus.COMPLETED)
    if day < phase.start_date:
        raise ValidationFailed(
            _("The phase started on %(date)s; it cannot end before that.")
            % {"date": phase.start_date.isoformat()},
            field="on_date",
        )
    if day > today:
        raise ValidationFailed(
            _("A phase cannot be recorded as ended on a day still to come (%(date)s).")
            % {"date": day.isoformat()},
            field="on_date",
        )
    early = day < phase.planned_end_date
    if early and not early_reason:
        raise ValidationFailed(
            _("The phase is planned to end on %(date)s; give a reason to end it early.")
            % {"date": phase.planned_end_date.isoformat()},
            field="early_reason",
        )
    person = ("people.person", episode.person_id)
    person_area = phase._person_area_id  # type: ignore[attr-defined]
    before = audit.snapshot(phase, PHASE_FIELDS)
    PhaseMachine.move(phase, PhaseStatus.COMPLETED)
    phase.actual_end_date = day
    phase.end_reason = early_reason
    completed.append(phase)
    logs.audit(
        audit.Action.UPDATE,
        phase,
        by=by,
        before=before,
        after=audit.snapshot(phase, PHASE_FIELDS + ["end_reason"]),
        detail=f"complete: {early_reason}" if early else "",
    )
    n, m = (day - phase.start_date).days + 1, phase.planned_days
    values = {
        "kind": phase.get_kind_display(),
        "date": day.isoformat(),
        "n": n,
        "m": m,
        "actor": _actor(by),
        "why": early_reason,
    }
    if early_reason:
        summary = _("%(kind)s ended on %(date)s (day %(n)d of %(m)d) by %(actor)s: %(why)s")
    else:
        summary = _("%(kind)s ended on %(date)s (day %(n)d of %(m)d) by %(actor)s")
    logs.event(
        person,
        "control_phase_completed",
        summary % values,
        by=by,
        area_id=person_area,
        data={"episode": episode.pk, "phase": phase.pk, "early_reason": early_reason},
    )
    later = [p for p in siblings if p.order > phase.order and p.status == PhaseStatus.PLANNED]
    if dropped is not None:
        for p in later:
            before = audit.snapshot(p, PHASE_FIELDS)
            PhaseMachine.move(p, PhaseStatus.CANCELLED)
            p.end_reason = early_reason
            dropped.append(p)
            logs.audit(
                audit.Action.UPDATE,
                p,
                by=by,
                before=before,
                after=audit.snapshot(p, PHASE_FIELDS + ["end_reason"]),
                detail=f"cancel: {early_reason}",
            )
        later = []
    if not later:
        before = audit.snapshot(episode, ["status", "end_date", "cancel_reason"])
        EpisodeMachine.move(episode, EpisodeStatus.COMPLETED)
        episode.end_date = day
        episode.cancel_reason = ""
        episode.updated_at = timezone.now()
        finished.append(episode)
        logs.audit(
            audit.Action.UPDATE,
            episode,
            by=by,
            before=before,
            after=audit.snapshot(episode, ["status", "end_date", "cancel_reason"]),
        )
        logs.event(
            person,
            "control_completed",
            _("Control ended: %(reason)s") % {"reason": episode.get_reason_display()},
            by=by,
            area_id=person_area,
            data={"episode": episode.pk},
        )
        return None
    befores = {p.pk: audit.snapshot(p, PHASE_FIELDS) for p in later}
    # The next phase starts the day this one ends: someone released from a site goes home
    # that day, which is day 1 of their home phase, not day 0.
    _relay(episode, later, day)
    nxt = later[0]
    PhaseMachine.move(nxt, PhaseStatus.ACTIVE)
    for p in later:
        moved[p.pk] = p
        logs.audit(
            audit.Action.UPDATE,
            p,
            by=by,
            before=befores[p.pk],
            after=audit.snapshot(p, PHASE_FIELDS + ["end_reason"]),
            detail="next phase" if p is nxt else "moved",
        )
    logs.event(
        person,
        "control_phase_started",
        _("%(kind)s from %(start)s to %(end)s, tests on %(tests)s")
        % {
            "kind": nxt.get_kind_display(),
            "start": nxt.start_date.isoformat(),
            "end": nxt.planned_end_date.isoformat(),
            "tests": ", ".join(nxt.test_days) or "—",
        },
        by=by,
        area_id=person_area,
        data={"episode": episode.pk, "phase": nxt.pk, "kind": nxt.kind},
    )
    return nxt


def _write_completions(
    completed: list[ControlPhase],
    moved: list[ControlPhase],
    finished: list[ControlEpisode],
    *,
    day: dt.date,
) -> None:
    """The rows changed by ``complete_phases``: one update per group of equal new values
    (on PostgreSQL one for all the phases)."""
    if (
        is_postgres()
        and completed
        and moved
        and not {p.pk for p in completed} & {p.pk for p in moved}
    ):
        if sql.write_phases_pg(completed, moved) != len(completed) + len(moved):
            raise Conflict(_("Someone else changed these phases meanwhile."), field="phase")
        moved, completed = [], []
    groups: dict[tuple, list[int]] = {}
    for p in completed:
        key = (p.status, p.actual_end_date, p.end_reason)
        groups.setdefault(key, []).append(p.pk)
    for (status, actual_end, reason), pks in groups.items():
        done = statements.update(
            ControlPhase,
            pks,
            {"status": status, "actual_end_date": actual_end, "end_reason": reason},
            where=[("status", "in", PhaseMachine.sources(status))],
        )
        if done != len(pks):  # only without row locks (SQLite serialises writers anyway)
            raise Conflict(_("Someone else changed these phases meanwhile."), field="phase")
    groups = {}
    for p in moved:
        group = (p.status, p.start_date, p.planned_end_date, tuple(p.test_days))
        groups.setdefault(group, []).append(p.pk)
    for (status, start, end, tests), pks in groups.items():
        # the next phase becomes active (from a state the table allows), later ones stay
        # planned with new dates
        into = PhaseMachine.sources(status) if status == PhaseStatus.ACTIVE else {status}
        statements.update(
            ControlPhase,
            pks,
            {
                "status": status,
                "start_date": start,
                "planned_end_date": end,
                "test_days": list(tests),
            },
            where=[("status", "in", into)],
        )
    if finished:
        statements.update(
            ControlEpisode,
            [e.pk for e in finished],
            {
                "status": EpisodeStatus.COMPLETED,
                "end_date": day,
                "cancel_reason": "",
                "updated_at": finished[-1].updated_at,
            },
            where=[("status", "in", EpisodeMachine.sources(EpisodeStatus.COMPLETED))],
        )
