"""The hand-written statements of the area tree (``core.db``; docs/development/fast-sql.md)."""

from __future__ import annotations

import datetime as dt

from fangkong.areas.choices import ResponsibilityRole
from fangkong.areas.models import Area, Responsibility
from fangkong.core.db import statements
from fangkong.core.db.vendor import marks, table

_VILLAGE_CADRE_SQL = """
SELECT v.id, v.path, v.name, (
    SELECT r.person_name FROM {resp} r
    WHERE r.area_id = v.id AND r.role IN (%s, %s) AND r.starts_on <= %s
      AND (r.ended_on IS NULL OR r.ended_on > %s)
    ORDER BY CASE WHEN r.role = %s THEN 0 ELSE 1 END, r.id
    LIMIT 1
) FROM {area} v WHERE v.path IN ({paths})
"""


def villages_with_cadre(paths: list[str], on: dt.date) -> list[tuple]:
    """(id, path, name, name of the first village cadre in force on ``on``, else the first
    sent-down staff, or None) of the villages at ``paths``: one statement for a batch (a
    release runs it hundreds of times a second; two querysets cost more than the database)."""
    sql = _VILLAGE_CADRE_SQL.format(
        resp=table(Responsibility), area=table(Area), paths=marks(len(paths))
    )
    cadre, staff = ResponsibilityRole.VILLAGE_CADRE, ResponsibilityRole.SENT_DOWN_STAFF
    return statements.query(sql, [cadre, staff, on, on, cadre, *paths])
