"""What the control services share: the actor check, phase dates laid out from the rule,
the phase's audit fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.permissions import require, require_area
from fangkong.policy.choices import PhaseKind


def _check(by: Actor | None, area: Any = None, *, field: str = "episode") -> None:
    if by is None:  # the system
        return
    require(by, "episode.manage")
    if area is not None:
        require_area(by, area, field=field)


def _actor(by: Actor | None) -> str:
    return str(by) if by is not None else _("the system")


def _kind_label(kind: str) -> str:
    return str(PhaseKind(kind).label) if kind in PhaseKind.values else kind


def test_dates(start: dt.date, days: int, rule_phase: dict[str, Any]) -> list[str]:
    """Test dates of a phase of ``days`` days from ``start`` under its rule phase: the rule's
    day numbers that fall within the phase; when the rule tests on its last day (the test
    before release), so does a phase made longer or shorter."""
    numbers = {d for d in rule_phase.get("test_days", []) if d <= days}
    if rule_phase.get("days") in rule_phase.get("test_days", []):
        numbers.add(days)
    return [(start + dt.timedelta(days=d - 1)).isoformat() for d in sorted(numbers)]


def _rule_phase(episode: ControlEpisode, phase: ControlPhase) -> dict[str, Any]:
    phases = episode.rule_snapshot.get("phases", [])
    if 0 < phase.order <= len(phases):
        return phases[phase.order - 1]
    return {"days": phase.planned_days, "test_days": []}


def _place(episode: ControlEpisode, phase: ControlPhase, start: dt.date, days: int) -> None:
    phase.start_date = start
    phase.planned_end_date = start + dt.timedelta(days=days - 1)
    phase.test_days = test_dates(start, days, _rule_phase(episode, phase))


def _relay(episode: ControlEpisode, phases: list[ControlPhase], start: dt.date) -> None:
    """Lay planned phases back to back from ``start``, each keeping its length."""
    for phase in phases:
        days = phase.planned_days
        _place(episode, phase, start, days)
        start = phase.planned_end_date + dt.timedelta(days=1)


PHASE_FIELDS = ["status", "start_date", "planned_end_date", "actual_end_date", "test_days"]


def _save_phase(phase: ControlPhase, before: dict | None, *, by: Actor | None, detail: str) -> None:
    phase.save()
    audit.record(
        audit.Action.UPDATE,
        phase,
        by=by,
        before=before,
        after=audit.snapshot(phase, PHASE_FIELDS + ["end_reason"]),
        detail=detail,
    )
