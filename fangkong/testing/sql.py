"""The hand-written statements of the testing pipeline (``core.db``; see
docs/development/fast-sql.md): the scan's lean reads and its write, the device upload's
lookups and tube recount. Built once per database vendor from the models' tables and the
choices' states; the services call these functions, never a cursor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from fangkong.core.db import statements
from fangkong.core.db.bulk import select_in
from fangkong.core.db.limits import chunks
from fangkong.core.db.vendor import marks, table
from fangkong.testing.choices import TubeKind, TubeState
from fangkong.testing.models import ScreeningRound, TestingPoint, Tube, TubeMember
from fangkong.testing.states import TubeMachine

# An open tube closes when full (scan, upload): a move the tube table must allow.
if not TubeMachine.allows(TubeState.OPEN, TubeState.CLOSED):
    raise ImproperlyConfigured("testing.sql closes open tubes; the tube table forbids it")


def _controlled(person: str = "p") -> str:
    """A condition: the person ``person`` is under control (an active episode)."""
    from fangkong.control.choices import EpisodeStatus
    from fangkong.control.models import ControlEpisode

    return (
        f"EXISTS (SELECT 1 FROM {table(ControlEpisode)} c "  # noqa: S608
        f"WHERE c.person_id = {person}.id AND c.status = '{EpisodeStatus.ACTIVE.value}')"
    )


def _active_person() -> str:
    from fangkong.people.choices import PersonStatus

    return f"'{PersonStatus.ACTIVE.value}'"


# --- the scan -----------------------------------------------------------------------------
def _scan_statements() -> dict[str, str]:
    from fangkong.areas.models import Area
    from fangkong.core.models import User, UserRole
    from fangkong.people.models import Person

    t = {
        "point": table(TestingPoint),
        "samplers": table(TestingPoint.samplers.through),
        "round": table(ScreeningRound),
        "round_areas": table(ScreeningRound.areas.through),
        "round_cats": table(ScreeningRound.single_categories.through),
        "area": table(Area),
        "person": table(Person),
        "person_cats": table(Person.categories.through),
        "tube": table(Tube),
        "member": table(TubeMember),
        "roles": table(UserRole),
        "user_areas": table(User.areas.through),
    }
    person = (
        f"SELECT p.id, p.name, p.status = {_active_person()}, p.area_id, a.path, "  # noqa: S608
        f"{_controlled()}, "
        f"EXISTS (SELECT 1 FROM {t['person_cats']} pc JOIN {t['round_cats']} rc "
        f"ON rc.keycategory_id = pc.keycategory_id "
        f"WHERE pc.person_id = p.id AND rc.screeninground_id = %s), "
        f"EXISTS (SELECT 1 FROM {t['member']} m WHERE m.round_id = %s AND m.person_id = p.id), "
        f"EXISTS (SELECT 1 FROM {t['member']} m WHERE m.client_uuid = %s) "
        f"FROM {t['person']} p JOIN {t['area']} a ON a.id = p.area_id "
    )
    return {
        "user": (
            f"SELECT 0, role FROM {t['roles']} WHERE user_id = %s "  # noqa: S608
            f"UNION ALL SELECT 1, a.path FROM {t['area']} a "
            f"JOIN {t['user_areas']} ua ON ua.area_id = a.id WHERE ua.user_id = %s"
        ),
        "point": (
            f"SELECT p.name, p.active, p.area_id, a.path, EXISTS (SELECT 1 FROM {t['samplers']} s "  # noqa: S608
            f"WHERE s.testingpoint_id = p.id AND s.user_id = %s) "
            f"FROM {t['point']} p JOIN {t['area']} a ON a.id = p.area_id WHERE p.id = %s"
        ),
        "round": (
            f"SELECT r.name, r.starts_at, r.ends_at, r.pooling_ratio, a.path "  # noqa: S608
            f"FROM {t['round']} r JOIN {t['round_areas']} ra ON ra.screeninground_id = r.id "
            f"JOIN {t['area']} a ON a.id = ra.area_id WHERE r.id = %s"
        ),
        "person_by_pk": person + "WHERE p.id = %s",
        # the active record first when a number is on a merged one too
        "person_by_index": person + "WHERE p.id_number_index = %s ORDER BY p.status, p.id LIMIT 1",
        "bump": (
            f"UPDATE {t['tube']} SET member_count = member_count + 1, "  # noqa: S608
            f"first_sampled_at = COALESCE(first_sampled_at, %s), "
            f"state = CASE WHEN member_count + 1 >= capacity THEN %s ELSE state END, "
            f"closed_at = CASE WHEN member_count + 1 >= capacity THEN %s ELSE closed_at END "
            f"WHERE barcode = %s AND round_id = %s AND point_id = %s AND state = %s "
            f"AND (kind = %s OR %s) "
            f"RETURNING id, kind, member_count, capacity, state"
        ),
        "new_tube": (
            f"INSERT INTO {t['tube']} (barcode, round_id, point_id, area_id, kind, capacity, "  # noqa: S608
            f"member_count, state, sampler_id, created_by_id, created_at, updated_at, "
            f"first_sampled_at, closed_at) "
            f"VALUES (%s, %s, %s, %s, %s, %s, 1, %s, %s, %s, %s, %s, %s, %s) "
            f"ON CONFLICT (barcode) DO NOTHING RETURNING id"
        ),
        "member": (
            f"INSERT INTO {t['member']} (tube_id, round_id, person_id, area_id, sampled_at, "  # noqa: S608
            f"sampler_id, client_uuid, repeat) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
            f"RETURNING id"
        ),
    }


def _scan_sql(name: str) -> str:
    return statements.statement("testing.scan", _scan_statements)[name]


def roles_and_area_paths(user_id: int) -> list[tuple[int, str]]:
    """(0, role) and (1, area path) rows of a user, in one statement."""
    return statements.query(_scan_sql("user"), [user_id, user_id])


def scan_point(point_id: int, user_id: int) -> tuple | None:
    """(name, active, area id, area path, is the user its sampler) of a testing point."""
    return statements.query_one(_scan_sql("point"), [user_id, point_id])


def scan_round(round_id: int) -> list[tuple]:
    """(name, starts at, ends at, pooling ratio, area path) per area of a round."""
    return statements.query(_scan_sql("round"), [round_id])


def scan_person(key: tuple[str, Any], round_id: int, client_uuid: Any) -> tuple | None:
    """(id, name, active, area id, area path, under control, in a key group the round
    samples singly, sampled in the round, this client id seen) of the person by ``("pk",
    id)`` or ``("index", blind index)``."""
    name = "person_by_pk" if key[0] == "pk" else "person_by_index"
    return statements.query_one(_scan_sql(name), [round_id, round_id, client_uuid, key[1]])


def bump_open_tube(
    barcode: str, round_id: int, point_id: int, *, at: Any, single: bool
) -> tuple | None:
    """One more swab in the open tube ``barcode`` of this round and point (closed when it
    is full), if its kind takes the swab; (id, kind, count, capacity, state) or None."""
    return statements.query_one(
        _scan_sql("bump"),
        [at, TubeState.CLOSED, at, barcode, round_id, point_id, TubeState.OPEN,
         TubeKind.SINGLE, not single],
    )  # fmt: skip


def insert_tube(values: Sequence[Any]) -> int | None:
    """A new tube with its first swab (the ``new_tube`` columns); its id, or None when the
    barcode exists already."""
    row = statements.query_one(_scan_sql("new_tube"), list(values))
    return None if row is None else row[0]


def insert_member(values: Sequence[Any]) -> int:
    """A swab (the ``member`` columns); its id."""
    row = statements.query_one(_scan_sql("member"), list(values))
    assert row is not None  # an insert answers its id
    return row[0]


# --- the device upload ---------------------------------------------------------------------
def tubes_by_barcode(codes: Sequence[str]) -> list[tuple]:
    """(barcode, id, round, point, state, capacity, swabs, kind) of the tubes ``codes``."""
    return select_in(
        f"SELECT barcode, id, round_id, point_id, state, capacity, member_count, kind "  # noqa: S608
        f"FROM {table(Tube)} WHERE barcode IN ({{IN}})",
        codes,
    )


def tube_places(codes: Sequence[str]) -> list[tuple]:
    """(barcode, id, round, point) of the tubes ``codes``."""
    return select_in(
        f"SELECT barcode, id, round_id, point_id FROM {table(Tube)} "  # noqa: S608
        f"WHERE barcode IN ({{IN}})",
        codes,
    )


def recorded_client_ids(client_ids: Sequence[Any]) -> set[Any]:
    """The client ids among ``client_ids`` a swab was recorded under already."""
    rows = select_in(
        f"SELECT client_uuid FROM {table(TubeMember)} WHERE client_uuid IN ({{IN}})",  # noqa: S608
        client_ids,
    )
    return {r[0] for r in rows}


def active_persons_by_index(indexes: Sequence[str]) -> list[tuple[int, str]]:
    """(id, blind index) of the active persons with these ID-number blind indexes."""
    from fangkong.people.models import Person

    return select_in(
        f"SELECT id, id_number_index FROM {table(Person)} "  # noqa: S608
        f"WHERE status = {_active_person()} AND id_number_index IN ({{IN}})",
        indexes,
    )


def persons_for_round(
    pks: Sequence[int], round_id: int, single_categories: Sequence[int]
) -> list[tuple]:
    """(id, area, active, sampled in the round already, must be sampled singly) of the
    persons ``pks``, one statement per chunk."""
    from fangkong.people.models import Person

    head: list[Any] = [round_id]
    key_group = "0 = 1"
    if single_categories:
        key_group = (
            f"EXISTS (SELECT 1 FROM {table(Person.categories.through)} pc "  # noqa: S608
            f"WHERE pc.person_id = p.id AND pc.keycategory_id IN ({marks(len(single_categories))}))"
        )
        head.extend(single_categories)
    return select_in(
        f"SELECT p.id, p.area_id, p.status = {_active_person()}, "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {table(TubeMember)} m WHERE m.round_id = %s "
        f"AND m.person_id = p.id), {_controlled()} OR {key_group} "
        f"FROM {table(Person)} p WHERE p.id IN ({{IN}})",
        pks,
        head,
    )


def recount_tubes(tube_ids: set[int], closing: set[int]) -> int:
    """Swab count and first swab time of the tubes from their members; the full ones and
    those in ``closing`` (closed by the device) close if open. Returns how many closed."""
    if not tube_ids:
        return 0
    t, m = table(Tube), table(TubeMember)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    closed = 0
    for part in chunks(sorted(tube_ids), 900):
        statements.execute(
            f"UPDATE {t} SET member_count = (SELECT COUNT(*) FROM {m} WHERE {m}.tube_id = {t}.id), "  # noqa: S608
            f"first_sampled_at = (SELECT MIN(sampled_at) FROM {m} WHERE {m}.tube_id = {t}.id) "
            f"WHERE id IN ({marks(len(part))})",
            list(part),
        )
        close = [pk for pk in part if pk in closing]
        closed += max(
            statements.execute(
                f"UPDATE {t} SET state = %s, closed_at = COALESCE(closed_at, %s) "  # noqa: S608
                f"WHERE id IN ({marks(len(part))}) AND state = %s AND member_count > 0 "
                f"AND (member_count >= capacity OR id IN ({marks(len(close)) or 'NULL'}))",
                [TubeState.CLOSED, now, *part, TubeState.OPEN, *close],
            ),
            0,
        )
    return closed
