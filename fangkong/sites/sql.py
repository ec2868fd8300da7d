"""The hand-written statements of check-in and release (``core.db``; see
docs/development/fast-sql.md). Built from the models' tables and the stay machine's
states; the services call these, never a cursor."""

from __future__ import annotations

from typing import Any

from fangkong.core.db import statements
from fangkong.core.db.vendor import marks, table
from fangkong.sites.choices import StayStatus
from fangkong.sites.models import Room, Stay


def _open_stay_of(n: int) -> str:
    """One of ``n`` persons has an open stay (parameters: the person ids)."""
    return (
        f'SELECT 1 FROM {table(Stay)} s WHERE s."person_id" IN ({marks(n)}) '  # noqa: S608
        f"AND s.\"status\" = '{StayStatus.OPEN.value}'"
    )


def no_open_stay() -> str:
    """A condition on the room table (no parameters): no stay is open in the room."""
    return statements.statement(
        "sites.no_open_stay",
        lambda: (
            f'NOT EXISTS (SELECT 1 FROM {table(Stay)} s WHERE s."room_id" = '  # noqa: S608
            f'{table(Room)}."id" AND s."status" = \'{StayStatus.OPEN.value}\')'
        ),
    )


def no_other_open_stay() -> str:
    """``no_open_stay`` for an UPDATE run after the stays closed by ``_before`` (the
    statement before it in the same ``WITH``, whose changes it does not see)."""
    return statements.statement(
        "sites.no_other_open_stay",
        lambda: no_open_stay()[:-1] + ' AND s."id" NOT IN (SELECT "id" FROM _before))',  # noqa: S608
    )


def take_room_reading_open_stays(
    room: Room, values: dict[str, Any], where: list[tuple[str, str, Any]], persons: list[int]
) -> bool | None:
    """PostgreSQL: the conditional room UPDATE, returning in the same round trip whether
    one of ``persons`` has an open stay; None when the room was not updated."""
    sql, params = statements.update_sql(Room, [room.pk], values, where=where)
    row = statements.query_one(
        f"{sql} RETURNING EXISTS ({_open_stay_of(len(persons))})", [*params, *persons]
    )
    return None if row is None else row[0]
