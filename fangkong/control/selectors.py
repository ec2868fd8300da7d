"""Reads on control episodes: scoped lists, the active episode of a person, who is due,
and "day N of M"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Min, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from fangkong.control.choices import EpisodeStatus, PhaseStatus
from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.core.actors import Actor
from fangkong.core.workqueue import Work, end_of_day, per_township


def _ordered_phases() -> Prefetch:
    return Prefetch("phases", queryset=ControlPhase.objects.order_by("order"))


def episodes_for(user: Actor) -> QuerySet[ControlEpisode]:
    """Episodes in the user's areas, with their person, area and phases."""
    return (
        ControlEpisode.objects.visible_to(user)
        .select_related("person", "area")
        .prefetch_related(_ordered_phases())
    )


def phases_for(user: Actor) -> QuerySet[ControlPhase]:
    return ControlPhase.objects.visible_to(user).select_related(
        "episode", "episode__person", "episode__area"
    )


def active_episode_for(person: Any) -> ControlEpisode | None:
    """The person's episode under way, if any (at most one, by constraint)."""
    return (
        ControlEpisode.objects.filter(person=person, status=EpisodeStatus.ACTIVE)
        .prefetch_related(_ordered_phases())
        .first()
    )


def local_date(on: dt.date | dt.datetime | None = None) -> dt.date:
    """A calendar day in Asia/Shanghai: today, or the local day of an aware datetime."""
    if on is None:
        return timezone.localdate()
    if isinstance(on, dt.datetime):
        return timezone.localdate(on) if timezone.is_aware(on) else on.date()
    return on


def day_of(phase: ControlPhase, on: dt.date | dt.datetime | None = None) -> tuple[int, int]:
    """("day N of M") of a phase, in calendar days in Asia/Shanghai: day 1 is the start date.
    N is 0 before the phase starts and passes M when someone stays past the planned end; a
    phase that has ended counts to its actual end unless ``on`` is given."""
    day = phase.actual_end_date if on is None and phase.actual_end_date else local_date(on)
    n = (day - phase.start_date).days + 1
    return max(n, 0), phase.planned_days


def episodes_due(
    on_date: dt.date, kind: str | None = None, *, user: Actor | None = None
) -> QuerySet[ControlPhase]:
    """Phases in progress whose planned end is on or before ``on_date`` (the overdue
    included), of one kind if given, within the user's areas if a user is given."""
    qs = ControlPhase.objects.visible_to(user) if user is not None else ControlPhase.objects.all()
    qs = qs.filter(status=PhaseStatus.ACTIVE, planned_end_date__lte=on_date)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("episode", "episode__person", "episode__area").order_by(
        "planned_end_date", "pk"
    )


def active_episodes_for(person_ids: list[int]) -> QuerySet[ControlEpisode]:
    """The episodes under way of these persons (at most one each), with their phases."""
    return ControlEpisode.objects.filter(
        person_id__in=person_ids, status=EpisodeStatus.ACTIVE
    ).prefetch_related(_ordered_phases())


# --- the work queue (core.workqueue) ------------------------------------------------------------
def _phases_due(user: Actor, now: dt.datetime) -> QuerySet[ControlPhase]:
    return ControlPhase.objects.visible_to(user).filter(
        status=PhaseStatus.ACTIVE, planned_end_date__lte=timezone.localdate(now)
    )


def phases_due_work(user: Actor, now: dt.datetime) -> Work:
    """Phases in progress ending today or already past their end (one active phase per
    episode: the episode list's "due today" shows the same people)."""
    row = _phases_due(user, now).aggregate(n=Count("pk"), first=Min("planned_end_date"))
    due = end_of_day(row["first"]) if row["first"] else None
    return Work(row["n"], due, reverse("control:episode_list") + "?status=active&due=today")


def phases_due_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_phases_due(user, now), "episode__area__path")
