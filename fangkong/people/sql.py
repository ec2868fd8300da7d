"""The hand-written statements of the people registry (``core.db``; see
docs/development/fast-sql.md): the search index's rows, written from the persons as saved
with the database's own LOWER and SUBSTR (the look-up folds its query the same way).
Built once per database vendor from the models' tables; ``people/fragments.py`` calls
these, never a cursor."""

from __future__ import annotations

from collections.abc import Sequence

from fangkong.core.db import statements
from fangkong.core.db.vendor import is_postgres, marks, table
from fangkong.people.choices import PersonStatus
from fangkong.people.models import NameFragment, Person

GRAM = 3  # the longest piece of a name kept (and of its initials)
MAX_NAME = Person._meta.get_field("name").max_length or 60  # the last place a piece starts


def _build_insert() -> str:
    """Every piece of the names, and every start of the initials, of the active persons
    matching ``{where}`` (filled in per call: all of them, or a list of ids)."""
    frag, person = table(NameFragment), table(Person)
    active = f"p.status = '{PersonStatus.ACTIVE.value}'"
    starts = " UNION ALL ".join(f"SELECT {i} AS s" for i in range(1, MAX_NAME + 1))
    lens = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(1, GRAM + 1))
    return (
        f"INSERT INTO {frag} (person_id, area_id, fragment) "  # noqa: S608 (model tables)
        "SELECT DISTINCT p.id, p.area_id, LOWER(SUBSTR(p.name, s.s, l.n)) "
        f"FROM {person} p, ({starts}) s, ({lens}) l "
        f"WHERE {active} AND s.s + l.n - 1 <= LENGTH(p.name) AND {{where}} "
        "UNION ALL "
        "SELECT p.id, p.area_id, UPPER(SUBSTR(p.name_initials, 1, l.n)) "
        f"FROM {person} p, ({lens}) l "
        f"WHERE {active} AND l.n <= LENGTH(p.name_initials) AND {{where}}"
    )


def delete_fragments(person_ids: Sequence[int]) -> None:
    """Drop the index rows of ``person_ids`` (a chunk under the parameter limit)."""
    statements.execute(
        f"DELETE FROM {table(NameFragment)} WHERE person_id IN ({marks(len(person_ids))})",  # noqa: S608
        person_ids,
    )


def insert_fragments(person_ids: Sequence[int] | None) -> None:
    """Write the index rows of ``person_ids`` (a chunk), or of every person with None."""
    sql = statements.statement("people.fragments", _build_insert)
    if person_ids is None:
        statements.execute(sql.format(where="1 = 1"))
        return
    ids = list(person_ids)
    statements.execute(sql.format(where=f"p.id IN ({marks(len(ids))})"), [*ids, *ids])


def delete_all_fragments() -> None:
    statements.execute(f"DELETE FROM {table(NameFragment)}")  # noqa: S608


def analyze_fragments() -> None:
    """Fresh statistics after a full rebuild: without them PostgreSQL plans the first
    searches blind (a nested loop over the registry, minutes)."""
    statements.execute(f"ANALYZE {table(NameFragment)}")


def widen_fragment_statistics() -> None:
    """PostgreSQL: keep the thousand commonest pieces in the column's statistics (every
    common surname and character), so that a piece shared by 20,000 persons is not
    planned as if it were shared by 400 (the default keeps a hundred)."""
    if is_postgres():
        statements.execute(
            f"ALTER TABLE {table(NameFragment)} ALTER COLUMN fragment SET STATISTICS 1000"
        )
