"""``Person.left_control_at``, the day the retention period counts from: set when the
person's last control ends (episode completed or cancelled, isolation stay released),
cleared when a new control starts."""

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone

from fangkong.control.services import cancel_episode, complete_phase, start_episode
from fangkong.people.models import Person

pytestmark = pytest.mark.django_db


def left_at(person):
    return Person._base_manager.get(pk=person.pk).left_control_at


def test_completing_the_last_phase_sets_left_control_and_a_new_episode_clears_it(
    users, episode_a, person_a
):
    assert left_at(person_a) is None
    nxt = complete_phase(
        episode_a.phases.get(order=1), by=users["township_a"], on_date=dt.date(2022, 11, 27)
    )
    assert left_at(person_a) is None  # home isolation still to go
    before = timezone.now()
    complete_phase(nxt, by=users["village_a"], on_date=dt.date(2022, 11, 30))
    assert left_at(person_a) >= before

    person_a.refresh_from_db()  # as a request reads it
    start_episode(person_a, "left_high_risk_area", by=users["township_a"])
    assert left_at(person_a) is None


def test_cancelling_the_episode_sets_left_control(users, episode_a, person_a):
    cancel_episode(episode_a, reason_text="wrong person", by=users["township_a"])
    assert left_at(person_a) is not None


def test_the_migration_backfills_persons_whose_control_ended_before(users, episode_a, person_a):
    """Episodes ended before the field was kept: the clock starts the day after the end."""
    cancel_episode(
        episode_a, reason_text="x", by=users["township_a"], on_date=dt.date(2022, 11, 24)
    )
    Person._base_manager.filter(pk=person_a.pk).update(left_control_at=None)
    backfill = import_module("fangkong.people.migrations.0005_backfill_left_control").backfill
    backfill(apps, None)
    assert timezone.localtime(left_at(person_a)).date() == dt.date(2022, 11, 25)
