"""States of a room set by hand; every move of a room goes through ``RoomMachine``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actors import Actor
from fangkong.core.errors import IllegalTransition, ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.sites.choices import MANUAL_TARGETS, RoomState
from fangkong.sites.models import Room
from fangkong.sites.states import RoomMachine


def lock_room(room: Room | int) -> Room:
    """The room row, locked for this transaction (PostgreSQL: FOR UPDATE; SQLite's
    IMMEDIATE transactions already serialise writers)."""
    pk = room.pk if isinstance(room, Room) else room
    return Room.objects.select_for_update().select_related("site__area").get(pk=pk)


@transaction.atomic
def set_room_state(room: Room, to_state: str, *, by: Actor, reason: str = "") -> Room:
    """The states an operator sets by hand: reserve, release a reservation, take out of
    service and bring back. Check-in, release and turnover steps move the rest."""
    require(by, "site.manage")
    require_area(by, room.site.area, field="room")
    if to_state not in MANUAL_TARGETS:
        raise ValidationFailed(
            _("“%(s)s” follows check-in, release or a turnover step; it cannot be set by hand.")
            % {"s": RoomMachine.label(to_state)},
            field="state",
        )
    reason = (reason or "").strip()
    if to_state == RoomState.OUT_OF_SERVICE and not reason:
        raise ValidationFailed(_("Say why the room is taken out of service."), field="reason")
    locked = lock_room(room)
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
            % {"room": locked.number, "b": RoomMachine.label(RoomState.AWAITING_DISINFECTION)},
            field="state",
        )
    also: dict[str, Any] = {}
    if to_state == RoomState.AWAITING_DISINFECTION:
        also = {"vacated_at": locked.vacated_at or now, "last_step": ""}
    RoomMachine.perform(
        locked,
        to_state,
        by=by,
        at=now,
        also=also,
        detail=reason,
        area=locked.site.area,
        data={"reason": reason},
    )
    RoomMachine.follow(room, locked, "vacated_at", "last_step")
    return locked
