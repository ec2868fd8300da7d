"""Demo control at village level: home isolation in the demo village login's community
(two ending today, one past its end, two under way) and two in a second township, so that
the village cadre's home and the county's table per township have work to show.

Everything goes through ``start_episode``, as the cadres would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.control.choices import EpisodeStatus
from fangkong.control.models import ControlEpisode
from fangkong.control.rules import rule_in_force
from fangkong.control.services import start_episode
from fangkong.core.actors import Actor
from fangkong.core.demo import DEMO_TOWNSHIP_CODE, demo_village
from fangkong.core.errors import DomainError
from fangkong.core.models import User
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person

# reasons whose first phase is at home under one rule set or another (the 20 measures
# isolate those who left a high-risk area at home; the 9th edition, contacts of contacts)
HOME_REASONS = ("left_high_risk_area", "secondary_contact", "closed_loop_worker_leaving_post")
CENTRALIZED = "centralized_isolation"


def _say(stdout: Any, line: str) -> None:
    if stdout is not None:
        stdout.write(line)


def _free_persons(area: Area) -> Any:
    """Active persons of the area not under control, in a stable order."""
    controlled = ControlEpisode.objects.filter(status=EpisodeStatus.ACTIVE).values("person_id")
    return (
        Person.objects.filter(area__path__startswith=area.path, status=PersonStatus.ACTIVE)
        .exclude(pk__in=controlled)
        .select_related("area")
        .order_by("pk")
    )


def _days_ago(days: int) -> list[int]:
    """Start days (days ago) of the episodes: two ending today, one a day past its end,
    two under way."""
    return [days - 1, days - 1, days, 1, 0]


def _home_reason(on: dt.date, area: Area) -> tuple[str, int] | None:
    """The first of ``HOME_REASONS`` whose rule in force starts at home, and its days."""
    for reason in HOME_REASONS:
        try:
            first = rule_in_force(reason, on, area=area).snapshot["phases"][0]
        except DomainError:  # no rule for this reason in force
            continue
        if first["kind"] != CENTRALIZED:
            return reason, int(first["days"])
    return None


def _start(area: Area, by: Actor, reason: str, starts: list[int], today: dt.date) -> int:
    persons = list(_free_persons(area)[: len(starts)])
    for person, ago in zip(persons, starts, strict=False):
        start_episode(person, reason, start_date=today - dt.timedelta(days=ago), by=by)
    return len(persons)


@transaction.atomic
def load_demo_control(stdout: Any = None, township: Area | None = None) -> dict[str, int]:
    """Start the demo's home isolations once; with any episode of these reasons present
    (the other demos use none of them), do nothing. Returns the counts made
    (``{"skipped": 1}`` when skipped)."""
    if ControlEpisode.objects.filter(reason__in=HOME_REASONS).exists():
        _say(stdout, "demo: home isolation already present, skipped")
        return {"skipped": 1}
    cadre = User.objects.get(username="village")
    township = township or Area.objects.get(code=DEMO_TOWNSHIP_CODE)
    village = demo_village(township) or township
    today = timezone.localdate()
    home = _home_reason(today, village)
    if home is None:
        _say(stdout, "demo: no rule in force isolates at home, no village home isolation")
        return {"village": 0, "other_township": 0}
    reason, days = home
    starts = _days_ago(days)
    counts = {"village": _start(village, cadre, reason, starts, today)}
    other = (
        Area.objects.filter(depth=township.depth, path__startswith=township.path[: Area.steplen])
        .exclude(pk=township.pk)
        .order_by("path")
        .first()
    )
    counts["other_township"] = (
        _start(other, User.objects.get(username="county"), reason, starts[:2], today)
        if other
        else 0
    )
    _say(
        stdout,
        "demo: {village} people in home isolation in the village login's area, "
        "{other_township} in a second township".format(**counts),
    )
    return counts
