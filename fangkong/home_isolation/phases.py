"""The home phases of control episodes (home isolation, home health monitoring): which
phase a person is in, day N of M, the end of the control."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max, QuerySet

from fangkong.control.choices import EpisodeStatus, PhaseStatus
from fangkong.control.models import ControlPhase
from fangkong.policy.choices import PhaseKind

HOME_KINDS = (PhaseKind.HOME_ISOLATION, PhaseKind.HOME_HEALTH_MONITORING)


def active_home_phases() -> QuerySet[ControlPhase]:
    return ControlPhase.objects.filter(
        status=PhaseStatus.ACTIVE, kind__in=HOME_KINDS, episode__status=EpisodeStatus.ACTIVE
    )


def home_phase_of(person_id: int) -> ControlPhase | None:
    """The person's home phase in progress, if any."""
    return (
        active_home_phases().filter(episode__person_id=person_id).select_related("episode").first()
    )


def home_phases_of(person_ids: list[int]) -> dict[int, ControlPhase]:
    rows = active_home_phases().filter(episode__person_id__in=person_ids).select_related("episode")
    return {p.episode.person_id: p for p in rows}


def control_end(phase: ControlPhase) -> dt.date:
    """The planned end of the whole episode the phase belongs to."""
    row = (
        ControlPhase.objects.filter(episode_id=phase.episode_id)
        .exclude(status=PhaseStatus.CANCELLED)
        .aggregate(end=Max("planned_end_date"))
    )
    return row["end"] or phase.planned_end_date


def day_n_of_m(phase: ControlPhase, on: dt.date) -> tuple[int, int]:
    """第N天 of M: day 1 on the first day, in local calendar days."""
    return max((on - phase.start_date).days + 1, 0), phase.planned_days


def test_dates(phase: Any) -> list[dt.date]:
    return [dt.date.fromisoformat(d) for d in phase.test_days]
