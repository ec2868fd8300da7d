"""A county can set its own rules over the national ones: in its county and dates, its set
wins for the reasons it defines; elsewhere and otherwise the national set applies."""

import datetime as dt

import pytest

from fangkong.core.errors import NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditLog
from fangkong.policy.models import RuleSet
from fangkong.policy.selectors import rule_for
from fangkong.policy.services import create_rule_set, end_rule_set
from tests.factories import add_area

pytestmark = pytest.mark.django_db
NOV_23 = dt.date(2022, 11, 23)


@pytest.fixture
def county_rules(users, make_county_set):
    return create_rule_set(make_county_set(), by=users["county"])


def test_county_set_wins_in_its_county_for_the_reasons_it_defines(county, county_rules):
    rule = rule_for("close_contact", NOV_23, area=county.village_a)
    assert rule.rule_set == county_rules
    assert [(p.kind, p.days) for p in rule.phases.all()] == [
        ("centralized_isolation", 3),
        ("home_health_monitoring", 4),
    ]


def test_national_set_for_reasons_the_county_does_not_define(county, county_rules):
    rule = rule_for("inbound_traveller", NOV_23, area=county.village_a)
    assert rule.rule_set.code == "cn-20-measures"


def test_national_set_before_the_county_set_comes_into_force(county, county_rules):
    assert rule_for(
        "close_contact", dt.date(2022, 11, 14), area=county.village_a
    ).rule_set.code == ("cn-20-measures")


def test_national_set_without_an_area_or_in_another_county(county, county_rules):
    assert rule_for("close_contact", NOV_23).rule_set.code == "cn-20-measures"
    other = add_area(None, "500241", "秀山县", "county")
    assert rule_for("close_contact", NOV_23, area=other).rule_set.code == "cn-20-measures"


def test_creating_a_county_set_is_audited(users, county_rules):
    entry = AuditLog.objects.get(object_type="policy.ruleset", object_id=str(county_rules.pk))
    assert entry.actor == users["county"]
    assert entry.after["rules"][0]["reason"] == "close_contact"
    assert county_rules.created_by == users["county"]


def test_only_county_command_may_enter_rules(users, make_county_set):
    with pytest.raises(PermissionDenied):
        create_rule_set(make_county_set(), by=users["township_a"])
    assert not RuleSet.objects.filter(scope="county").exists()


def test_a_county_user_cannot_enter_rules_for_another_county(county, make_user, make_county_set):
    other = add_area(None, "500241", "秀山县", "county")
    from fangkong.core.roles import Role

    from_other = make_user(Role.COUNTY_COMMAND, other)
    with pytest.raises(NotFound):
        create_rule_set(make_county_set(), by=from_other)


def test_national_sets_cannot_be_entered_through_the_form(users, twenty_measures_data):
    twenty_measures_data.update(code="cn-x", effective_from="2030-01-01")
    with pytest.raises(ValidationFailed) as exc:
        create_rule_set(twenty_measures_data, by=users["county"])
    assert "scope" in exc.value.fields


def test_county_set_entered_as_json_text_is_validated_the_same_way(users, make_county_set):
    import json

    data = make_county_set()
    data["rules"][0]["phases"][0]["days"] = -1
    with pytest.raises(ValidationFailed) as exc:
        create_rule_set(json.dumps(data), by=users["county"])
    assert "rules.close_contact.phases.1.days" in exc.value.fields
    assert not RuleSet.objects.filter(scope="county").exists()


def test_ending_a_county_set_lets_a_new_version_follow(
    users, county, county_rules, make_county_set
):
    end_rule_set(county_rules, effective_to=dt.date(2022, 11, 30), by=users["county"])
    follower = create_rule_set(
        make_county_set(code="500242-2022-12", effective_from="2022-12-01"), by=users["county"]
    )
    assert rule_for("close_contact", dt.date(2022, 11, 30), area=county.village_a).rule_set == (
        county_rules
    )
    assert rule_for("close_contact", dt.date(2022, 12, 1), area=county.village_a).rule_set == (
        follower
    )


def test_end_date_before_the_start_is_refused(users, county_rules):
    with pytest.raises(ValidationFailed) as exc:
        end_rule_set(county_rules, effective_to=dt.date(2022, 11, 1), by=users["county"])
    assert "effective_to" in exc.value.fields


def test_national_sets_are_not_ended_by_hand(users):
    with pytest.raises(ValidationFailed):
        end_rule_set(
            RuleSet.objects.get(code="cn-20-measures"),
            effective_to=dt.date(2023, 1, 7),
            by=users["county"],
        )
