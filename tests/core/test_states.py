"""core.states: a machine declared from its table checks, moves, logs and gives the sources
a bulk or raw-SQL update filters by. Exercised on a toy table over the room state field
(not registered, so the real room machine is untouched)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import translation

from fangkong.core.errors import IllegalTransition
from fangkong.core.logbatch import LogBatch
from fangkong.core.models import AuditLog, TimelineEvent
from fangkong.core.states import StateMachine, machine_for, machines
from fangkong.sites.choices import RoomState as S
from fangkong.sites.models import IsolationSite, Room

TABLE = {
    S.READY: {S.RESERVED, S.OCCUPIED},
    S.RESERVED: {S.READY, S.OCCUPIED},
    S.OCCUPIED: {S.AWAITING_DISINFECTION},
    S.AWAITING_DISINFECTION: set(),
    S.DISINFECTED: set(),
    S.RESTOCKED: set(),
    S.OUT_OF_SERVICE: set(),
}


def toy(**kw) -> StateMachine:
    return StateMachine(
        Room.state,
        TABLE,
        describe=lambda r: f"Room {r.number}",
        register=False,
        **kw,
    )


@pytest.fixture
def rooms(county):
    site = IsolationSite.objects.create(
        name="县宾馆", kind="hotel", address="桃花路1号", area=county.town_a, manager_phone=""
    )
    return [Room.objects.create(site=site, number=str(100 + i)) for i in range(1, 5)]


def test_sources_are_the_inverse_of_the_table():
    m = toy()
    assert m.sources(S.OCCUPIED) == {S.READY, S.RESERVED}
    assert m.sources(S.READY) == {S.RESERVED}
    assert m.sources(S.OUT_OF_SERVICE) == frozenset()
    assert m.targets(S.READY) == {S.RESERVED, S.OCCUPIED}
    assert m.allows(S.READY, S.OCCUPIED) and not m.allows(S.OCCUPIED, S.READY)
    assert (S.OCCUPIED, S.AWAITING_DISINFECTION) in m.moves() and len(m.moves()) == 5
    with pytest.raises(ValueError):
        m.sources("nonsense")


def test_a_table_naming_an_unknown_state_or_leaving_one_out_is_refused_at_declaration():
    with pytest.raises(ValueError, match="unknown"):
        StateMachine(Room.state, {**TABLE, S.READY: {"gone"}}, register=False)
    table = dict(TABLE)
    del table[S.RESTOCKED]
    with pytest.raises(ValueError, match="no row"):
        StateMachine(Room.state, table, register=False)


def test_an_illegal_move_names_both_states_by_label_in_the_users_language():
    room = Room(number="101", state=S.OCCUPIED)
    m = toy()
    with translation.override("en"), pytest.raises(IllegalTransition) as exc:
        m.check(room, S.READY)
    assert str(exc.value.message) == "Room 101 cannot go from “Occupied (在住)” to “Ready (可用)”."
    assert exc.value.status == 409 and exc.value.code == "illegal_transition"
    assert exc.value.fields == {"state": [exc.value.message]}
    with translation.override("zh-hans"), pytest.raises(IllegalTransition) as exc:
        m.check(room, S.READY, field="room")
    assert "在住" in str(exc.value.message) and "可用" in str(exc.value.message)
    assert "cannot go" not in str(exc.value.message) and "room" in exc.value.fields


def test_move_changes_the_object_in_memory_and_stamps_the_time():
    room = Room(number="101", state=S.READY)
    m = toy(changed_at="state_changed_at")
    assert m.move(room, S.OCCUPIED) == S.READY
    assert room.state == S.OCCUPIED and room.state_changed_at is not None
    with pytest.raises(IllegalTransition):
        m.move(room, S.RESERVED)
    assert room.state == S.OCCUPIED


def test_perform_saves_with_the_audit_row_and_the_timeline_event(rooms, users):
    room = rooms[0]
    m = toy(changed_at="state_changed_at", timeline=True)
    m.perform(room, S.RESERVED, by=users["county"], also={"notes": "窗户坏了"}, detail="why")
    fresh = Room.objects.get(pk=room.pk)
    assert fresh.state == S.RESERVED and fresh.notes == "窗户坏了" and fresh.state_changed_at
    row = AuditLog.objects.get(object_type="sites.room", object_id=str(room.pk))
    assert row.before == {"state": "ready", "notes": "", "state_changed_at": None}
    assert row.after["state"] == "reserved" and row.after["notes"] == "窗户坏了"
    assert row.after["state_changed_at"] and row.detail == "why"
    ev = TimelineEvent.objects.get(subject_type="sites.room", subject_id=room.pk)
    assert ev.kind == "state" and ev.data == {"from": "ready", "to": "reserved"}


def test_perform_refused_writes_nothing(rooms, users):
    room = rooms[0]
    with pytest.raises(IllegalTransition):
        toy(timeline=True).perform(room, S.AWAITING_DISINFECTION, by=users["county"])
    assert Room.objects.get(pk=room.pk).state == S.READY
    assert not AuditLog.objects.filter(object_type="sites.room").exists()
    assert not TimelineEvent.objects.filter(subject_type="sites.room").exists()


def test_perform_into_a_log_batch_writes_the_rows_when_the_batch_does(rooms, users):
    logs = LogBatch()
    toy().perform(rooms[0], S.OCCUPIED, by=users["county"], logs=logs, event="occupied")
    assert len(logs.audits) == 1 and len(logs.events) == 1
    assert not AuditLog.objects.filter(object_type="sites.room").exists()
    logs.write()
    assert AuditLog.objects.filter(object_type="sites.room").count() == 1
    assert TimelineEvent.objects.get(subject_type="sites.room").kind == "occupied"


def test_bulk_changes_only_the_rows_the_table_allows(rooms):
    Room.objects.filter(pk=rooms[2].pk).update(state=S.OCCUPIED)
    Room.objects.filter(pk=rooms[3].pk).update(state=S.RESERVED)
    changed = toy().bulk(Room.objects.filter(pk__in=[r.pk for r in rooms]), S.OCCUPIED)
    assert changed == 3  # ready, ready, reserved; the occupied one was not a source
    states = dict(Room.objects.values_list("number", "state"))
    assert set(states.values()) == {S.OCCUPIED}


def test_sql_sources_filters_raw_sql_by_the_same_table(rooms):
    Room.objects.filter(pk=rooms[0].pk).update(state=S.OCCUPIED)
    cond, params = toy().sql_sources(S.READY)
    assert params == [S.RESERVED]
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT COUNT(*) FROM {Room._meta.db_table} WHERE {cond}",  # noqa: S608
            params,
        )
        assert cur.fetchone()[0] == 0
        cond, params = toy().sql_sources(S.AWAITING_DISINFECTION)
        cur.execute(
            f"SELECT COUNT(*) FROM {Room._meta.db_table} WHERE {cond}",  # noqa: S608
            params,
        )
        assert cur.fetchone()[0] == 1
    assert toy().sql_sources(S.OUT_OF_SERVICE) == ("1 = 0", [])


def test_the_registry_finds_each_declared_machine():
    found = {(m.model._meta.label_lower, m.field.name) for m in machines()}
    assert ("sites.room", "state") in found
    assert machine_for(Room, "state").allows(S.OCCUPIED, S.AWAITING_DISINFECTION)
