"""The room and stay machines: every move of their tables performed, one forbidden move
refused naming both states; the services' room moves follow the same table."""

from __future__ import annotations

import itertools

from django.utils import timezone

from fangkong.sites.choices import ROOM_TRANSITIONS, STAY_TRANSITIONS, RoomState, StayStatus
from fangkong.sites.models import Room, Stay
from fangkong.sites.states import CHECK_IN_STATES, RoomMachine, StayMachine
from tests.factories import PersonFactory
from tests.state_walk import walk

numbers = itertools.count(201)


def test_the_room_machine_walks_its_table(site, users):
    def make(state):
        return Room.objects.create(site=site, number=str(next(numbers)), state=state)

    assert RoomMachine.table == {k: set(v) for k, v in ROOM_TRANSITIONS.items()}
    walk(RoomMachine, make, by=users["county"])


def test_the_stay_machine_walks_its_table(site, users, county):
    room = site.rooms.first()

    def make(status):
        person = PersonFactory(area=county.village_a)
        return Stay.objects.create(
            person=person, room=room, site=site, check_in_at=timezone.now(), status=status
        )

    assert StayMachine.table == {k: set(v) for k, v in STAY_TRANSITIONS.items()}
    walk(StayMachine, make, by=users["county"])


def test_check_in_takes_the_rooms_the_table_lets_become_occupied():
    assert {RoomState.READY, RoomState.RESERVED} == CHECK_IN_STATES
    assert StayMachine.sources(StayStatus.RELEASED) == {StayStatus.OPEN}
