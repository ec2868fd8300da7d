"""The hand-written statements of control (``core.db``; docs/development/fast-sql.md),
built from the models' tables and the phase machine's states."""

from __future__ import annotations

from typing import Any

from django.db import connection

from fangkong.control.choices import PhaseStatus
from fangkong.control.models import ControlPhase
from fangkong.control.states import PhaseMachine
from fangkong.core.db import statements
from fangkong.core.db.vendor import table

_PHASES_PG = """
UPDATE {table} AS p SET
    status = v.status,
    actual_end_date = CASE WHEN v.done THEN v.actual_end ELSE p.actual_end_date END,
    end_reason = CASE WHEN v.done THEN v.end_reason ELSE p.end_reason END,
    start_date = CASE WHEN v.done THEN p.start_date ELSE v.start_date END,
    planned_end_date = CASE WHEN v.done THEN p.planned_end_date ELSE v.planned_end END,
    test_days = CASE WHEN v.done THEN p.test_days ELSE v.test_days END
FROM (VALUES {rows}) AS v(id, done, status, actual_end, end_reason, start_date, planned_end,
    test_days)
WHERE p.id = v.id AND (NOT v.done OR {completable})
"""
_DONE_ROW = (
    "(%s::bigint, true, %s::varchar, %s::date, %s::text, NULL::date, NULL::date, NULL::jsonb)"
)
_MOVED_ROW = (
    "(%s::bigint, false, %s::varchar, NULL::date, NULL::text, %s::date, %s::date, %s::jsonb)"
)


def write_phases_pg(completed: list[ControlPhase], moved: list[ControlPhase]) -> int:
    """PostgreSQL: completed and moved phases in one UPDATE, the completed ones only from a
    state the phase machine lets complete (as the separate updates do). Returns the number
    of rows changed."""
    completable, src = PhaseMachine.sql_sources(PhaseStatus.COMPLETED, "p.status")
    tests = ControlPhase._meta.get_field("test_days")
    params: list[Any] = []
    for p in completed:
        params += [p.pk, p.status, p.actual_end_date, p.end_reason]
    for p in moved:
        params += [
            p.pk,
            p.status,
            p.start_date,
            p.planned_end_date,
            tests.get_db_prep_save(list(p.test_days), connection),
        ]
    rows = ", ".join([_DONE_ROW] * len(completed) + [_MOVED_ROW] * len(moved))
    sql = _PHASES_PG.format(table=table(ControlPhase), rows=rows, completable=completable)
    return statements.execute(sql, [*params, *src])


def policy_stamp() -> tuple:
    """Counts and last changes of the policy tables: what the rule cache is valid for."""
    from fangkong.policy.models import Rule, RulePhase, RuleSet

    rs, r, rp = table(RuleSet), table(Rule), table(RulePhase)
    row = statements.query_one(
        f"SELECT COUNT(*), MAX(id), MAX(updated_at), "  # noqa: S608 (table names only)
        f"(SELECT COUNT(*) FROM {r}), (SELECT MAX(id) FROM {r}), "
        f"(SELECT COUNT(*) FROM {rp}), (SELECT MAX(id) FROM {rp}) FROM {rs}"
    )
    return tuple(row or ())
