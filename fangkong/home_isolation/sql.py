"""The hand-written statements of home isolation (``core.db``; docs/development/fast-sql.md):
the nightly close reads every due home phase with what decides it in one statement."""

from __future__ import annotations

import datetime as dt

from fangkong.control.choices import EpisodeStatus, PhaseStatus
from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.core.db import statements
from fangkong.core.db.vendor import table
from fangkong.home_isolation.models import HealthReport
from fangkong.home_isolation.phases import HOME_KINDS
from fangkong.testing.choices import CandidateState, RetestState
from fangkong.testing.models import CaseCandidate, RetestTask

_DUE = """
SELECT p.id, e.id, e.person_id, e.area_id,
    EXISTS (SELECT 1 FROM {reports} r WHERE r.person_id = e.person_id AND r.day = %s),
    EXISTS (SELECT 1 FROM {reports} r WHERE r.person_id = e.person_id AND r.day = %s
            AND r.flagged),
    EXISTS (SELECT 1 FROM {tasks} t WHERE t.person_id = e.person_id AND t.state = %s),
    EXISTS (SELECT 1 FROM {candidates} c WHERE c.person_id = e.person_id
            AND c.state IN (%s, %s))
FROM {phases} p JOIN {episodes} e ON e.id = p.episode_id
WHERE p.status = %s AND e.status = %s AND p.kind IN (%s, %s) AND p.planned_end_date <= %s
ORDER BY p.id
"""


def due_home_phases(day: dt.date) -> list[tuple[int, int, int, int, bool, bool, bool, bool]]:
    """Home phases in progress whose planned end is on or before ``day``: (phase, episode,
    person, area, reported on ``day``, fever or symptoms on ``day``, a test pending, a
    positive or an open case candidate)."""
    sql = statements.statement(
        "home_isolation.due",
        lambda: _DUE.format(
            reports=table(HealthReport),
            tasks=table(RetestTask),
            candidates=table(CaseCandidate),
            phases=table(ControlPhase),
            episodes=table(ControlEpisode),
        ),
    )
    params = [
        day,
        day,
        RetestState.OPEN.value,
        CandidateState.OPEN.value,
        CandidateState.CONFIRMED.value,
        PhaseStatus.ACTIVE.value,
        EpisodeStatus.ACTIVE.value,
        *[k.value for k in HOME_KINDS],
        day,
    ]
    return [
        (int(a), int(b), int(c), int(d), bool(e), bool(f), bool(g), bool(h))
        for a, b, c, d, e, f, g, h in statements.query(sql, params)
    ]
