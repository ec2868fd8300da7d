"""Room turnover: disinfection, supplies, sorted waste, inspection, in that order."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import IllegalTransition, ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.core.timeline import record_event
from fangkong.sites.choices import (
    STEP_RESULT,
    TURNOVER_ORDER,
    TURNOVER_STATES,
    RoomState,
    TurnoverStepKind,
)
from fangkong.sites.models import Room, TurnoverStep
from fangkong.sites.services.rooms import lock_room
from fangkong.sites.states import RoomMachine


def next_step(room: Room) -> str | None:
    """The turnover step the room waits for, or None when no turnover is under way."""
    if room.state not in TURNOVER_STATES:
        return None
    if not room.last_step:
        return TURNOVER_ORDER[0]
    i = TURNOVER_ORDER.index(room.last_step)
    return TURNOVER_ORDER[i + 1] if i + 1 < len(TURNOVER_ORDER) else None


def step_label(step: str) -> str:
    return str(TurnoverStepKind(step).label) if step in TurnoverStepKind.values else step


@transaction.atomic
def record_step(
    room: Room,
    step: str,
    *,
    by: Actor,
    note: str = "",
    at: dt.datetime | None = None,
) -> TurnoverStep:
    """Record one turnover step done in a room; the room's state follows. A step out of
    order is an IllegalTransition naming the step expected."""
    require(by, "room.turnover")
    require_area(by, room.site.area, field="room")
    if step not in TurnoverStepKind.values:
        raise ValidationFailed(_("Unknown turnover step."), field="step")
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationFailed(_("At most 200 characters."), field="note")
    locked = lock_room(room)
    expected = next_step(locked)
    if expected is None:
        raise IllegalTransition(
            _("Room %(room)s is “%(state)s”: no turnover is under way.")
            % {"room": locked.number, "state": RoomMachine.label(locked.state)},
            field="step",
        )
    if step != expected:
        raise IllegalTransition(
            _("“%(step)s” is out of order for room %(room)s: “%(expected)s” comes next.")
            % {"step": step_label(step), "room": locked.number, "expected": step_label(expected)},
            field="step",
        )
    now = timezone.now()
    when = at or now
    if timezone.is_naive(when) or when > now + dt.timedelta(minutes=5):
        raise ValidationFailed(_("This time is in the future."), field="at")
    cycle_start = locked.vacated_at or locked.state_changed_at or when
    if when < cycle_start:
        raise ValidationFailed(_("This time is before the room was vacated."), field="at")
    before = audit.snapshot(locked, ["state", "last_step"])
    result = STEP_RESULT[step]
    if result is not None:
        RoomMachine.move(locked, result, at=when)
    turnaround = None
    if result == RoomState.READY:
        turnaround = int((when - cycle_start).total_seconds())
        locked.vacated_at = None
        locked.last_step = ""
    else:
        locked.last_step = step
    locked.save(
        update_fields=["state", "state_changed_at", "vacated_at", "last_step", "updated_at"]
    )
    record = TurnoverStep.objects.create(
        room=locked,
        site=locked.site,
        step=step,
        at=when,
        by=by if getattr(by, "is_authenticated", False) else None,
        note=note,
        cycle_start=cycle_start,
        turnaround_seconds=turnaround,
    )
    audit.record(
        audit.Action.UPDATE,
        locked,
        by=by,
        before=before,
        after=audit.snapshot(locked, ["state", "last_step"]),
        detail=f"turnover: {step}",
    )
    record_event(
        locked,
        f"turnover_{step}",
        step_label(step) + (f": {note}" if note else ""),
        by=by,
        area=locked.site.area,
        at=when,
        data={"step": record.pk, "turnaround_seconds": turnaround},
    )
    RoomMachine.follow(room, locked, "vacated_at", "last_step")
    return record
