"""The state machines of rooms and stays (``core.states``), from the tables in
``choices.py``. Every change of ``Room.state`` and ``Stay.status`` goes through them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.core.states import StateMachine
from fangkong.sites.choices import (
    ROOM_TRANSITIONS,
    SITE_TRANSITIONS,
    STAY_TRANSITIONS,
    RoomState,
)
from fangkong.sites.models import IsolationSite, Room, Stay

RoomMachine = StateMachine(
    Room.state,
    ROOM_TRANSITIONS,
    describe=lambda room: _("Room %(room)s") % {"room": room.number},
    changed_at="state_changed_at",
    timeline=True,
)

StayMachine = StateMachine(
    Stay.status,
    STAY_TRANSITIONS,
    describe=lambda stay: _("The stay of %(name)s") % {"name": stay.person.name},
    error_field="stay",
)

# A room in these states may receive a check-in: those the table lets become occupied.
CHECK_IN_STATES = RoomMachine.sources(RoomState.OCCUPIED)

SiteMachine = StateMachine(
    IsolationSite.status,
    SITE_TRANSITIONS,
    describe=lambda site: site.name,
)
