"""The hand-written statements of home isolation (``core.db``; docs/development/fast-sql.md):
the nightly close reads every due home phase with what decides it in one statement."""

from __future__ import annotations

import datetime as dt

from fangkong.cases.choices import CandidateState
from fangkong.cases.models import CaseCandidate
from fangkong.control.choices import EpisodeStatus, PhaseStatus
from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.core.db import statements
from fangkong.core.db.vendor import adapt_datetime, table
from fangkong.home_isolation.models import HealthReport
from fangkong.home_isolation.phases import HOME_KINDS
from fangkong.testing.choices import RetestState
from fangkong.testing.models import RetestTask

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


_REPORT_CONTEXT = """
SELECT l.id, l.person_id, l.area_id, l.expires_at, l.revoked_at, p.id,
    (SELECT MAX(r.at) FROM {reports} r WHERE r.person_id = l.person_id AND r.at > %s), a.path
FROM {links} l
JOIN {areas} a ON a.id = l.area_id
LEFT JOIN {episodes} e ON e.person_id = l.person_id AND e.status = %s
LEFT JOIN {phases} p ON p.episode_id = e.id AND p.status = %s AND p.kind IN (%s, %s)
WHERE l.token_hash = %s
"""


def report_context(token_hash: str, since: dt.datetime) -> tuple | None:
    """The portal's hot path in one statement: the link of ``token_hash`` (id, person,
    area, valid until, revoked at), the person's home phase in progress (or None), the
    time of their latest report after ``since`` (or None) and the area's path; datetimes
    aware."""
    from fangkong.areas.models import Area
    from fangkong.home_isolation.models import PortalLink

    sql = statements.statement(
        "home_isolation.report_context",
        lambda: _REPORT_CONTEXT.format(
            reports=table(HealthReport),
            links=table(PortalLink),
            episodes=table(ControlEpisode),
            phases=table(ControlPhase),
            areas=table(Area),
        ),
    )
    params = [
        adapt_datetime(since),
        EpisodeStatus.ACTIVE.value,
        PhaseStatus.ACTIVE.value,
        *[k.value for k in HOME_KINDS],
        token_hash,
    ]
    row = statements.query_one(sql, params)
    if row is None:
        return None
    link_id, person_id, area_id, expires, revoked, phase_id, last_at, path = row
    return (link_id, person_id, area_id, _aware(expires), _aware(revoked), phase_id,
            _aware(last_at), path)  # fmt: skip


def _aware(value: object) -> dt.datetime | None:
    """A datetime read by hand-written SQL: text on SQLite (UTC), aware on PostgreSQL."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
