"""The room state machine: every state change goes through ``transition``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.errors import IllegalTransition, ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.core.timeline import record_event
from fangkong.sites.choices import MANUAL_TARGETS, ROOM_TRANSITIONS, RoomState
from fangkong.sites.models import Room


def label(state: str) -> str:
    return str(RoomState(state).label) if state in RoomState.values else state


def check_transition(room: Room, to_state: str) -> None:
    """Raise IllegalTransition naming both states unless the table allows the move."""
    if to_state not in ROOM_TRANSITIONS.get(room.state, frozenset()):
        raise IllegalTransition(
            _("Room %(room)s cannot go from “%(a)s” to “%(b)s”.")
            % {"room": room.number, "a": label(room.state), "b": label(to_state)},
            field="state",
        )


def transition(room: Room, to_state: str, *, at: dt.datetime | None = None) -> str:
    """Move a locked room to ``to_state`` in memory (the caller saves); returns the old state."""
    check_transition(room, to_state)
    old = room.state
    room.state = to_state
    room.state_changed_at = at or timezone.now()
    return old


def lock_room(room: Room | int) -> Room:
    """The room row, locked for this transaction (PostgreSQL: FOR UPDATE; SQLite's
    IMMEDIATE transactions already serialise writers)."""
    pk = room.pk if isinstance(room, Room) else room
    return Room.objects.select_for_update().select_related("site__area").get(pk=pk)


@transaction.atomic
def set_room_state(room: Room, to_state: str, *, by: Any, reason: str = "") -> Room:
    """The states an operator sets by hand: reserve, release a reservation, take out of
    service and bring back. Check-in, release and turnover steps move the rest."""
    require(by, "site.manage")
    require_area(by, room.site.area, field="room")
    if to_state not in MANUAL_TARGETS:
        raise ValidationFailed(
            _("“%(s)s” follows check-in, release or a turnover step; it cannot be set by hand.")
            % {"s": label(to_state)},
            field="state",
        )
    reason = (reason or "").strip()
    if to_state == RoomState.OUT_OF_SERVICE and not reason:
        raise ValidationFailed(_("Say why the room is taken out of service."), field="reason")
    locked = lock_room(room)
    before = audit.snapshot(locked)
    now = timezone.now()
    if (
        locked.state == RoomState.OUT_OF_SERVICE
        and to_state == RoomState.READY
        and (locked.vacated_at is not None)
    ):
        raise IllegalTransition(
            _(
                "Room %(room)s was taken out of service before its turnover was finished; "
                "it goes back to “%(b)s”."
            )
            % {"room": locked.number, "b": label(RoomState.AWAITING_DISINFECTION)},
            field="state",
        )
    old = transition(locked, to_state, at=now)
    if to_state == RoomState.AWAITING_DISINFECTION:
        locked.vacated_at = locked.vacated_at or now
        locked.last_step = ""
    locked.save(
        update_fields=["state", "state_changed_at", "vacated_at", "last_step", "updated_at"]
    )
    audit.record(
        audit.Action.UPDATE,
        locked,
        by=by,
        before=before,
        after=audit.snapshot(locked),
        detail=reason,
    )
    record_event(
        locked,
        "state",
        _("%(a)s → %(b)s") % {"a": label(old), "b": label(to_state)},
        by=by,
        area=locked.site.area,
        data={"from": old, "to": to_state, "reason": reason},
    )
    room.state, room.vacated_at, room.last_step = locked.state, locked.vacated_at, locked.last_step
    return locked
