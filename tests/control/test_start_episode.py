"""Starting an episode applies the rule in force on the start date and keeps it: phases back
to back, planned ends and test dates computed, the first phase in progress."""

import datetime as dt

import pytest

from fangkong.control.models import ControlEpisode
from fangkong.control.selectors import active_episode_for
from fangkong.control.services import cancel_episode, start_episode
from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditLog
from fangkong.core.timeline import timeline_of
from fangkong.policy.services import create_rule_set
from tests.control.conftest import NOV_23, phase_rows
from tests.factories import PersonFactory
from tests.policy.conftest import county_set

pytestmark = pytest.mark.django_db


def test_close_contact_on_2022_11_23_gets_five_plus_three_with_test_dates(episode_a):
    assert episode_a.rule_set_code == "cn-20-measures"
    assert episode_a.status == "active"
    assert phase_rows(episode_a) == [
        (
            "centralized_isolation",
            "active",
            "2022-11-23",
            "2022-11-27",
            ["2022-11-23", "2022-11-24", "2022-11-25", "2022-11-27"],
        ),
        ("home_isolation", "planned", "2022-11-28", "2022-11-30", ["2022-11-28", "2022-11-30"]),
    ]


def test_start_on_2022_11_01_applies_the_ninth_edition(users, person_a):
    episode = start_episode(
        person_a, "close_contact", start_date=dt.date(2022, 11, 1), by=users["township_a"]
    )
    assert episode.rule_set_code == "cn-9th-edition"
    assert phase_rows(episode) == [
        (
            "centralized_isolation",
            "active",
            "2022-11-01",
            "2022-11-07",
            ["2022-11-01", "2022-11-02", "2022-11-03", "2022-11-05", "2022-11-07"],
        ),
        ("home_health_monitoring", "planned", "2022-11-08", "2022-11-10", ["2022-11-10"]),
    ]


def test_the_episode_keeps_a_copy_of_the_rule(episode_a):
    snap = episode_a.rule_snapshot
    assert snap["rule_set"] == "cn-20-measures" and snap["reason"] == "close_contact"
    assert snap["phases"] == [
        {"kind": "centralized_isolation", "days": 5, "test_days": [1, 2, 3, 5]},
        {"kind": "home_isolation", "days": 3, "test_days": [1, 3]},
    ]


def test_a_later_rule_change_does_not_rewrite_an_existing_episode(users, county, episode_a):
    before = (phase_rows(episode_a), episode_a.rule_snapshot)
    # the county's own close-contact rule, in force from 2022-11-15, entered afterwards
    create_rule_set(county_set(), by=users["county"])
    episode_a.refresh_from_db()
    assert (phase_rows(episode_a), episode_a.rule_snapshot) == before
    # a new episode started on the same day gets the new rule
    other = PersonFactory(area=county.village_a)
    new = start_episode(other, "close_contact", start_date=NOV_23, by=users["township_a"])
    assert new.rule_set_code == "500242-2022-11"
    assert [p.planned_days for p in new.phases.all()] == [3, 4]


def test_area_is_copied_from_the_person(episode_a, person_a):
    assert episode_a.area == person_a.area


def test_start_is_on_the_persons_timeline_and_audited(users, episode_a, person_a):
    [event] = timeline_of(person_a)
    assert event.kind == "control_started"
    assert event.actor == users["township_a"]
    assert "Close contact" in event.summary and "2022-11-30" in event.summary
    entry = AuditLog.objects.get(object_type="control.controlepisode", action="create")
    assert len(entry.after["phases"]) == 2


def test_a_second_active_episode_is_refused(users, person_a, episode_a):
    with pytest.raises(Conflict) as exc:
        start_episode(person_a, "inbound_traveller", start_date=NOV_23, by=users["township_a"])
    assert "person" in exc.value.fields
    assert ControlEpisode.objects.filter(person=person_a).count() == 1


def test_a_new_episode_may_start_once_the_last_one_is_over(users, person_a, episode_a):
    cancel_episode(episode_a, reason_text="entered twice", by=users["township_a"])
    again = start_episode(person_a, "close_contact", start_date=NOV_23, by=users["township_a"])
    assert active_episode_for(person_a) == again


def test_person_outside_the_users_areas_is_not_found(users, person_b):
    with pytest.raises(NotFound) as exc:
        start_episode(person_b, "close_contact", start_date=NOV_23, by=users["township_a"])
    assert "person" in exc.value.fields
    assert not ControlEpisode.objects.exists()


@pytest.mark.parametrize("role", ["sampler_a", "lab", "auditor", "admin"])
def test_roles_without_episode_manage_are_refused(users, person_a, role):
    with pytest.raises(PermissionDenied):
        start_episode(person_a, "close_contact", start_date=NOV_23, by=users[role])


def test_the_system_may_start_an_episode_without_an_area_check(person_b):
    # the testing pipeline controls every member of a positive pool at once
    episode = start_episode(
        person_b, "pool_positive_awaiting_retest", start_date=NOV_23, by=None, area_check=False
    )
    assert phase_rows(episode) == [
        ("home_isolation", "active", "2022-11-23", "2022-11-24", ["2022-11-23"])
    ]


def test_unknown_reason_is_refused(users, person_a):
    with pytest.raises(ValidationFailed) as exc:
        start_episode(person_a, "cousin", start_date=NOV_23, by=users["township_a"])
    assert "reason" in exc.value.fields


def test_reason_without_a_rule_on_that_day_is_not_found(users, person_a):
    with pytest.raises(NotFound) as exc:
        start_episode(person_a, "secondary_contact", start_date=NOV_23, by=users["township_a"])
    assert "reason" in exc.value.fields
    assert not ControlEpisode.objects.exists()


def test_start_date_far_ahead_is_refused(users, person_a):
    from django.utils import timezone

    far = timezone.localdate() + dt.timedelta(days=31)
    with pytest.raises(ValidationFailed) as exc:
        start_episode(person_a, "close_contact", start_date=far, by=users["township_a"])
    assert "start_date" in exc.value.fields
