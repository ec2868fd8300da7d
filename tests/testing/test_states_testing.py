"""The testing pipeline's machines: tubes, boxes, door-to-door tasks and notifications. Every move of their tables performed, one forbidden move refused naming both
states; receiving and reporting change only the rows the tube table allows."""

from __future__ import annotations

import itertools

import pytest
from django.utils import translation

from fangkong.core.errors import Conflict
from fangkong.testing.choices import (
    BOX_TRANSITIONS,
    NOTIFICATION_TRANSITIONS,
    RETEST_TRANSITIONS,
    TUBE_TRANSITIONS,
    RetestReason,
    TubeKind,
    TubeState,
)
from fangkong.testing.models import Box, Notification, RetestTask, Tube
from fangkong.testing.states import (
    RECEIVABLE,
    BoxMachine,
    NotificationMachine,
    RetestMachine,
    TubeMachine,
)
from tests.factories import PersonFactory
from tests.state_walk import walk

codes = (f"W{n:07d}" for n in itertools.count(1))


@pytest.fixture
def make_tube(rnd, point):
    def make(state=TubeState.OPEN):
        return Tube.objects.create(
            barcode=next(codes), round=rnd, point=point, area=point.area,
            kind=TubeKind.POOLED, capacity=10, state=state,
        )  # fmt: skip

    return make


def test_the_tube_machine_walks_its_table(make_tube, users):
    assert TubeMachine.table == {k: set(v) for k, v in TUBE_TRANSITIONS.items()}
    walk(TubeMachine, make_tube, by=users["county"])


def test_the_box_machine_walks_its_table(county, users):
    def make(state):
        return Box.objects.create(barcode=next(codes), area=county.town_a, state=state)

    assert BoxMachine.table == {k: set(v) for k, v in BOX_TRANSITIONS.items()}
    walk(BoxMachine, make, by=users["county"])


def test_the_retest_machine_walks_its_table(county, users, rnd):
    def make(state):
        person = PersonFactory(area=county.village_a)
        return RetestTask.objects.create(
            person=person, area=person.area, round=rnd, state=state,
            reason=RetestReason.NOT_SAMPLED,
        )  # fmt: skip

    assert RetestMachine.table == {k: set(v) for k, v in RETEST_TRANSITIONS.items()}
    walk(RetestMachine, make, by=users["county"])


def test_the_notification_machine_walks_its_table(county, users):
    def make(state):
        return Notification.objects.create(
            recipient_kind="command", recipient_name="指挥部", area=county.county,
            message="阳性", state=state,
        )  # fmt: skip

    assert NotificationMachine.table == {k: set(v) for k, v in NOTIFICATION_TRANSITIONS.items()}
    walk(NotificationMachine, make, by=users["county"])


def test_receiving_in_bulk_changes_only_the_tubes_the_table_lets_be_received(make_tube):
    assert {TubeState.CLOSED, TubeState.BOXED, TubeState.IN_TRANSIT} == RECEIVABLE
    tubes = {state: make_tube(state) for state in TubeState.values}
    changed = TubeMachine.bulk(Tube.objects.all(), TubeState.RECEIVED)
    assert changed == len(RECEIVABLE)
    after = {s: Tube.objects.get(pk=t.pk).state for s, t in tubes.items()}
    assert after == {s: TubeState.RECEIVED if s in RECEIVABLE else s for s in tubes}


def test_an_illegal_tube_move_is_a_conflict_in_the_users_language(make_tube):
    tube = make_tube(TubeState.REPORTED)
    for lang, words in (("en", "cannot go from “Reported” to “Open”"), ("zh-hans", "不能从")):
        with translation.override(lang), pytest.raises(Conflict) as exc:
            TubeMachine.check(tube, TubeState.OPEN)
        assert words in str(exc.value.message) and tube.barcode in str(exc.value.message)
        assert exc.value.code == "illegal_transition" and "tube" in exc.value.fields
