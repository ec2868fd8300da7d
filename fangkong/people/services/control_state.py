"""When a person left control: the date the retention period (``people.retention``) counts
from. A person is under control while an episode of theirs is under way or they are in an
isolation room; ``sync_left_control`` is called by every path that starts or ends either
(starting an episode, completing or cancelling one, checking in, releasing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.apps import apps
from django.db.models import Case, DateTimeField, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from fangkong.control.choices import EpisodeStatus
from fangkong.people.models import Person
from fangkong.sites.choices import StayStatus


def under_control() -> Q:
    """Persons with an episode under way or an open isolation stay."""
    episode = apps.get_model("control", "ControlEpisode")
    stay = apps.get_model("sites", "Stay")
    return Q(
        Exists(episode.objects.filter(person=OuterRef("pk"), status=EpisodeStatus.ACTIVE))
    ) | Q(Exists(stay.objects.filter(person=OuterRef("pk"), status=StayStatus.OPEN)))


def sync_left_control(person_ids: Iterable[int], *, at: dt.datetime | None = None) -> None:
    """Called when a control of each of ``person_ids`` ended: ``left_control_at`` becomes
    ``at`` (now by default) for those no longer under control (the latest end counts) and
    is cleared for those still under control."""
    ids = sorted(set(person_ids))
    if not ids:
        return
    under = under_control()
    Person._base_manager.filter(pk__in=ids).update(
        left_control_at=Case(
            When(under, then=Value(None)),
            default=Value(at or timezone.now()),
            output_field=DateTimeField(),
        )
    )


def mark_under_control(person: Person) -> None:
    """A control starts for the person: the retention clock stops. No query for a person
    never out of control (the usual case, on the check-in path); the purge itself skips
    anyone under control, so an instance read before a concurrent release is harmless."""
    if getattr(person, "left_control_at", None) is not None:
        Person._base_manager.filter(pk=person.pk).update(left_control_at=None)
        person.left_control_at = None
