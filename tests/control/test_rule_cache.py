"""The rule in force is remembered per (reason, date, county rule sets above the area) and
forgotten as soon as the policy tables change, whoever changed them."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.control import rules
from fangkong.control.services import start_episode
from fangkong.policy.models import RuleSet
from fangkong.policy.selectors import rule_for
from fangkong.policy.services import create_rule_set, end_rule_set
from tests.control.conftest import NOV_23
from tests.factories import PersonFactory
from tests.policy.conftest import county_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    rules.clear()
    yield
    rules.clear()


def test_same_answer_as_rule_for_and_one_query_when_remembered(county):
    first = rules.rule_in_force("close_contact", NOV_23, area=county.village_a)
    assert first.rule == rule_for("close_contact", NOV_23, area=county.village_a)
    assert first.snapshot == first.rule.as_snapshot()
    with CaptureQueriesContext(connection) as ctx:
        again = rules.rule_in_force("close_contact", NOV_23, area=county.village_b)
    assert again is first  # no county rule set: every village shares the entry
    assert len(ctx) == 1


def test_a_county_rule_set_entered_is_used_at_once(users, county):
    assert rules.rule_in_force("close_contact", NOV_23, area=county.village_a).rule_set.code == (
        "cn-20-measures"
    )
    create_rule_set(county_set(), by=users["county"])
    hit = rules.rule_in_force("close_contact", NOV_23, area=county.village_a)
    assert hit.rule_set.code == "500242-2022-11"
    # the national rule still answers before the county set's dates
    early = rules.rule_in_force("close_contact", dt.date(2022, 11, 14), area=county.village_a)
    assert early.rule_set.code == "cn-20-measures"


def test_a_change_made_elsewhere_is_seen_without_signals(users, county):
    # another worker (or a raw update) ends the county set: no signal reaches this process
    create_rule_set(county_set(), by=users["county"])
    assert rules.rule_in_force("close_contact", NOV_23, county.village_a).rule_set.code == (
        "500242-2022-11"
    )
    RuleSet.objects.filter(code="500242-2022-11").update(
        effective_to=dt.date(2022, 11, 20), updated_at=timezone.now()
    )
    assert rules.rule_in_force("close_contact", NOV_23, county.village_a).rule_set.code == (
        "cn-20-measures"
    )


def test_ending_a_rule_set_through_the_service(users, county):
    rule_set = create_rule_set(county_set(), by=users["county"])
    start_episode(PersonFactory(area=county.village_a), "close_contact", start_date=NOV_23, by=None)
    end_rule_set(rule_set, effective_to=dt.date(2022, 11, 20), by=users["county"])
    episode = start_episode(
        PersonFactory(area=county.village_a), "close_contact", start_date=NOV_23, by=None
    )
    assert episode.rule_set_code == "cn-20-measures"


def test_the_snapshot_kept_by_an_episode_is_its_own(county):
    a = start_episode(
        PersonFactory(area=county.village_a), "close_contact", start_date=NOV_23, by=None
    )
    a.rule_snapshot["phases"][0]["days"] = 99
    b = start_episode(
        PersonFactory(area=county.village_a), "close_contact", start_date=NOV_23, by=None
    )
    assert b.rule_snapshot["phases"][0]["days"] == 5
