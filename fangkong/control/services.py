"""Writes on control episodes. Every write is checked, atomic, audited and put on the
person's timeline.

``by`` is the user acting; ``by=None`` is the system itself (a scheduled task or a pipeline
acting on a lab result), which passes the role and area checks. A signed-out user never does.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.control.choices import PHASE_TRANSITIONS, EpisodeStatus, PhaseStatus
from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.control.rules import rule_in_force
from fangkong.control.selectors import active_episode_for, local_date
from fangkong.core import audit
from fangkong.core.db import statements
from fangkong.core.errors import Conflict, IllegalTransition, ValidationFailed
from fangkong.core.logbatch import LogBatch
from fangkong.core.permissions import require, require_area
from fangkong.core.timeline import record_event
from fangkong.policy.choices import PhaseKind, Reason

__all__ = [
    "active_episode_for",  # re-exported: callers of the services often need it too
    "adjust_phase",
    "cancel_episode",
    "complete_phase",
    "complete_phases",
    "start_episode",
]
MAX_DAYS_AHEAD = 30


def _check(by: Any, area: Any = None, *, field: str = "episode") -> None:
    if by is None:  # the system
        return
    require(by, "episode.manage")
    if area is not None:
        require_area(by, area, field=field)


def _actor(by: Any) -> str:
    return str(by) if by is not None else _("the system")


def _kind_label(kind: str) -> str:
    return str(PhaseKind(kind).label) if kind in PhaseKind.values else kind


def _move(phase: ControlPhase, to: str) -> None:
    if to not in PHASE_TRANSITIONS[phase.status]:
        raise IllegalTransition(
            _("A phase that is %(now)s cannot become %(to)s.")
            % {"now": phase.get_status_display(), "to": PhaseStatus(to).label},
            field="phase",
        )
    phase.status = to


def test_dates(start: dt.date, days: int, rule_phase: dict[str, Any]) -> list[str]:
    """Test dates of a phase of ``days`` days from ``start`` under its rule phase: the rule's
    day numbers that fall within the phase; when the rule tests on its last day (the test
    before release), so does a phase made longer or shorter."""
    numbers = {d for d in rule_phase.get("test_days", []) if d <= days}
    if rule_phase.get("days") in rule_phase.get("test_days", []):
        numbers.add(days)
    return [(start + dt.timedelta(days=d - 1)).isoformat() for d in sorted(numbers)]


def _rule_phase(episode: ControlEpisode, phase: ControlPhase) -> dict[str, Any]:
    phases = episode.rule_snapshot.get("phases", [])
    if 0 < phase.order <= len(phases):
        return phases[phase.order - 1]
    return {"days": phase.planned_days, "test_days": []}


def _place(episode: ControlEpisode, phase: ControlPhase, start: dt.date, days: int) -> None:
    phase.start_date = start
    phase.planned_end_date = start + dt.timedelta(days=days - 1)
    phase.test_days = test_dates(start, days, _rule_phase(episode, phase))


def _relay(episode: ControlEpisode, phases: list[ControlPhase], start: dt.date) -> None:
    """Lay planned phases back to back from ``start``, each keeping its length."""
    for phase in phases:
        days = phase.planned_days
        _place(episode, phase, start, days)
        start = phase.planned_end_date + dt.timedelta(days=1)


PHASE_FIELDS = ["status", "start_date", "planned_end_date", "actual_end_date", "test_days"]


def _save_phase(phase: ControlPhase, before: dict | None, *, by: Any, detail: str) -> None:
    phase.save()
    audit.record(
        audit.Action.UPDATE,
        phase,
        by=by,
        before=before,
        after=audit.snapshot(phase, PHASE_FIELDS + ["end_reason"]),
        detail=detail,
    )


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
    by: Any,
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
    if getattr(person, "status", "active") != "active":
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
    batch = LogBatch() if own_logs else logs
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
    qs._prefetch_done = True
    episode._prefetched_objects_cache = {"phases": qs}


def _locked_phase(phase: ControlPhase) -> ControlPhase:
    return (
        ControlPhase.objects.select_for_update()
        .select_related("episode", "episode__person")
        .get(pk=phase.pk)
    )


def adjust_phase(
    phase: ControlPhase, *, new_end_date: dt.date, reason_text: str, by: Any
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


def complete_phase(
    phase: ControlPhase,
    *,
    by: Any,
    on_date: dt.date | None = None,
    early_reason: str = "",
) -> ControlPhase | None:
    """Close the phase in progress on ``on_date`` (today by default) and start the next one
    the day after (its dates laid out again from that day), or complete the episode after the
    last. Before the planned end a reason is required (``early_reason``; after the planned
    end it may carry the reason for the overstay). Returns the phase now in progress, or None
    when the episode is complete."""
    return complete_phases([phase], by=by, on_date=on_date, early_reason=early_reason)[0]


def _phases_to_complete(episode_ids: list[int]) -> Any:
    return (
        ControlPhase.objects.select_for_update(of=("self",))
        .filter(episode_id__in=episode_ids)
        .select_related("episode__area")
        .annotate(_person_area_id=F("episode__person__area_id"))
        .order_by()
    )


def complete_phases(
    phases: Iterable[ControlPhase],
    *,
    by: Any,
    on_date: dt.date | None = None,
    early_reason: str = "",
    logs: LogBatch | None = None,
) -> list[ControlPhase | None]:
    """``complete_phase`` for many phases at once, in a handful of queries whatever their
    number: for each phase, in order, the same checks, changes, audit rows and timeline
    events as calling ``complete_phase`` on them one after the other. All or nothing: the
    first refusal (the error ``complete_phase`` would raise for that phase) leaves every
    phase as it was. Returns, per phase, the phase now in progress or None.

    ``logs``: collect the audit rows and timeline events there instead of writing them (a
    caller that writes its own rows in bulk, in the same transaction)."""
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
                )
            )
        _write_completions(completed, list(moved.values()), finished, day=day)
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
    by: Any,
    logs: LogBatch,
    completed: list[ControlPhase],
    moved: dict[int, ControlPhase],
    finished: list[ControlEpisode],
) -> ControlPhase | None:
    """Check and complete one phase on the objects in hand, recording its log rows; the
    caller writes the changed rows."""
    episode = phase.episode
    _check(by, episode.area)
    if phase.status != PhaseStatus.ACTIVE:
        raise IllegalTransition(
            _("Only a phase in progress can be completed; this one is %(s)s.")
            % {"s": phase.get_status_display()},
            field="phase",
        )
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
    person_area = phase._person_area_id
    before = audit.snapshot(phase, PHASE_FIELDS)
    _move(phase, PhaseStatus.COMPLETED)
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
    if not later:
        before = audit.snapshot(episode, ["status", "end_date", "cancel_reason"])
        episode.status = EpisodeStatus.COMPLETED
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
    _relay(episode, later, day + dt.timedelta(days=1))
    nxt = later[0]
    _move(nxt, PhaseStatus.ACTIVE)
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
        connection.vendor == "postgresql"
        and completed
        and moved
        and not {p.pk for p in completed} & {p.pk for p in moved}
    ):
        _write_phases_pg(completed, moved)
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
            where=[("status", "=", PhaseStatus.ACTIVE)],
        )
        if done != len(pks):  # only without row locks (SQLite serialises writers anyway)
            raise Conflict(_("Someone else changed these phases meanwhile."), field="phase")
    groups = {}
    for p in moved:
        key = (p.status, p.start_date, p.planned_end_date, tuple(p.test_days))
        groups.setdefault(key, []).append(p.pk)
    for (status, start, end, tests), pks in groups.items():
        statements.update(
            ControlPhase,
            pks,
            {
                "status": status,
                "start_date": start,
                "planned_end_date": end,
                "test_days": list(tests),
            },
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
        )


_PHASES_PG = """
UPDATE {table} AS p SET
    status = v.status,
    actual_end_date = CASE WHEN v.done THEN v.actual_end ELSE p.actual_end_date END,
    end_reason = CASE WHEN v.done THEN v.end_reason ELSE p.end_reason END,
    start_date = CASE WHEN v.done THEN p.start_date ELSE v.start_date END,
    planned_end_date = CASE WHEN v.done THEN p.planned_end_date ELSE v.planned_end END,
    test_days = CASE WHEN v.done THEN p.test_days ELSE v.test_days END
FROM (VALUES {rows}) AS v(id, done, status, actual_end, end_reason, start_date, planned_end,
    test_days)
WHERE p.id = v.id AND (NOT v.done OR p.status = 'active')
"""
_DONE_ROW = (
    "(%s::bigint, true, %s::varchar, %s::date, %s::text, NULL::date, NULL::date, NULL::jsonb)"
)
_MOVED_ROW = (
    "(%s::bigint, false, %s::varchar, NULL::date, NULL::text, %s::date, %s::date, %s::jsonb)"
)


def _write_phases_pg(completed: list[ControlPhase], moved: list[ControlPhase]) -> None:
    """Completed and moved phases in one UPDATE; the completed ones only while still in
    progress (as the separate updates do)."""
    tests = ControlPhase._meta.get_field("test_days")
    params: list[Any] = []
    for p in completed:
        params += [p.pk, p.status, p.actual_end_date, p.end_reason]
    for p in moved:
        params += [
            p.pk,
            p.status,
            p.start_date,
            p.planned_end_date,
            tests.get_db_prep_save(list(p.test_days), connection),
        ]
    rows = ", ".join([_DONE_ROW] * len(completed) + [_MOVED_ROW] * len(moved))
    with connection.cursor() as cursor:
        cursor.execute(_PHASES_PG.format(table=ControlPhase._meta.db_table, rows=rows), params)
        done = cursor.rowcount
    if done != len(completed) + len(moved):
        raise Conflict(_("Someone else changed these phases meanwhile."), field="phase")


def _finish(
    episode: ControlEpisode, status: str, day: dt.date, *, by: Any, cancel_reason: str = ""
) -> None:
    before = audit.snapshot(episode, ["status", "end_date", "cancel_reason"])
    episode.status = status
    episode.end_date = day
    episode.cancel_reason = cancel_reason
    episode.save(update_fields=["status", "end_date", "cancel_reason", "updated_at"])
    audit.record(
        audit.Action.UPDATE,
        episode,
        by=by,
        before=before,
        after=audit.snapshot(episode, ["status", "end_date", "cancel_reason"]),
    )


def cancel_episode(
    episode: ControlEpisode, *, reason_text: str, by: Any, on_date: dt.date | None = None
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
        if episode.status != EpisodeStatus.ACTIVE:
            raise IllegalTransition(
                _("Only an episode under way can be cancelled; this one is %(s)s.")
                % {"s": episode.get_status_display()},
                field="episode",
            )
        if not reason_text:
            raise ValidationFailed(_("Say why the episode is cancelled."), field="reason_text")
        for phase in episode.phases.select_for_update().exclude(
            status__in=[PhaseStatus.COMPLETED, PhaseStatus.CANCELLED]
        ):
            before = audit.snapshot(phase, PHASE_FIELDS)
            if phase.status == PhaseStatus.ACTIVE:
                phase.actual_end_date = max(day, phase.start_date)
            _move(phase, PhaseStatus.CANCELLED)
            _save_phase(phase, before, by=by, detail=f"cancel: {reason_text}")
        _finish(episode, EpisodeStatus.CANCELLED, day, by=by, cancel_reason=reason_text)
        record_event(
            episode.person,
            "control_cancelled",
            _("Control cancelled by %(actor)s: %(why)s")
            % {"actor": _actor(by), "why": reason_text},
            by=by,
            data={"episode": episode.pk, "reason": reason_text},
        )
    return episode
