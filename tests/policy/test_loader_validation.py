"""A rule set is checked whole before anything is written; every problem names its rule and
field; a bad set loads nothing."""

import json

import pytest
from django.core.management import CommandError, call_command

from fangkong.core.errors import ValidationFailed
from fangkong.policy.loader import load_rule_set
from fangkong.policy.models import Rule, RulePhase, RuleSet

pytestmark = pytest.mark.django_db


def national(**overrides):
    data = {
        "code": "cn-2023",
        "name": "next",
        "scope": "national",
        "effective_from": "2023-01-08",
        "rules": [
            {
                "reason": "close_contact",
                "phases": [{"kind": "home_isolation", "days": 5, "test_days": [1, 5]}],
            }
        ],
    }
    data.update(overrides)
    return data


def counts():
    return RuleSet.objects.count(), Rule.objects.count(), RulePhase.objects.count()


def refused(data):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        load_rule_set(data)
    assert counts() == before, "nothing may be loaded"
    return exc.value


def with_phase(**phase):
    base = {"kind": "home_isolation", "days": 5, "test_days": [1]}
    base.update(phase)
    return national(rules=[{"reason": "close_contact", "phases": [base]}])


def test_a_valid_set_loads_with_its_rules_and_phases():
    phases = [
        {"kind": "home_isolation", "days": 5, "test_days": [5, 1]},
        {"kind": "home_health_monitoring", "days": 2},
    ]
    rule_set = load_rule_set(national(rules=[{"reason": "secondary_contact", "phases": phases}]))
    rule = rule_set.rules.get()
    assert [(p.order, p.kind, p.days, p.test_days) for p in rule.phases.all()] == [
        (1, "home_isolation", 5, [1, 5]),
        (2, "home_health_monitoring", 2, []),
    ]


@pytest.mark.parametrize("days", [0, -3, 2.5, "7", None, True, 365])
def test_days_must_be_a_whole_number_of_at_least_one(days):
    err = refused(with_phase(days=days, test_days=[]))
    assert "rules.close_contact.phases.1.days" in err.fields
    message = err.fields["rules.close_contact.phases.1.days"][0]
    assert "Rule close_contact, phase 1" in message and "days" in message


def test_test_day_outside_its_phase_is_refused():
    err = refused(with_phase(days=5, test_days=[1, 6]))
    [message] = err.fields["rules.close_contact.phases.1.test_days"]
    assert "Rule close_contact, phase 1" in message and "6" in message


def test_test_day_zero_is_outside_the_phase():
    err = refused(with_phase(days=5, test_days=[0]))
    assert "rules.close_contact.phases.1.test_days" in err.fields


def test_repeated_test_day_is_refused():
    assert "rules.close_contact.phases.1.test_days" in refused(with_phase(test_days=[1, 1])).fields


def test_test_days_must_be_numbers():
    assert "rules.close_contact.phases.1.test_days" in refused(with_phase(test_days="1,3")).fields


def test_unknown_phase_kind_is_refused():
    err = refused(with_phase(kind="hotel"))
    assert "hotel" in err.fields["rules.close_contact.phases.1.kind"][0]


def test_unknown_reason_is_refused():
    err = refused(
        national(rules=[{"reason": "cousin", "phases": [{"kind": "home_isolation", "days": 1}]}])
    )
    assert "cousin" in err.fields["rules.cousin.reason"][0]


def test_a_rule_needs_phases():
    for phases in ([], None):
        err = refused(national(rules=[{"reason": "close_contact", "phases": phases}]))
        assert "rules.close_contact.phases" in err.fields


def test_a_set_needs_rules():
    assert "rules" in refused(national(rules=[])).fields


def test_a_reason_twice_in_one_set_is_refused():
    rule = {"reason": "close_contact", "phases": [{"kind": "home_isolation", "days": 1}]}
    assert "rules.close_contact" in refused(national(rules=[rule, rule])).fields


def test_unknown_fields_are_refused_rather_than_ignored():
    err = refused(with_phase(testdays=[1]))
    assert "testdays" in err.fields["rules.close_contact.phases.1"][0]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": ""}, "code"),
        ({"code": "has space"}, "code"),
        ({"name": ""}, "name"),
        ({"scope": "province"}, "scope"),
        ({"effective_from": "2023-02-30"}, "effective_from"),
        ({"effective_from": None}, "effective_from"),
        ({"effective_to": "2023-01-01"}, "effective_to"),
        ({"county": "500242"}, "county"),
    ],
)
def test_bad_set_fields_are_named(overrides, field):
    assert field in refused(national(**overrides)).fields


def test_every_problem_is_reported_at_once():
    data = national(
        code="",
        rules=[
            {"reason": "close_contact", "phases": [{"kind": "home_isolation", "days": -1}]},
            {"reason": "inbound_traveller", "phases": [{"kind": "x", "days": 2, "test_days": [3]}]},
        ],
    )
    err = refused(data)
    assert {
        "code",
        "rules.close_contact.phases.1.days",
        "rules.inbound_traveller.phases.1.kind",
        "rules.inbound_traveller.phases.1.test_days",
    } <= set(err.fields)


def test_not_json_is_refused():
    err = refused("{not json")
    assert "json" in err.fields


def test_overlapping_dates_for_the_same_reason_in_the_same_scope_are_refused():
    # the 20 measures are open-ended from 2022-11-11: a national close-contact rule from 2023
    # overlaps it.
    err = refused(national(effective_from="2023-01-08"))
    [message] = err.fields["rules.close_contact"]
    assert "cn-20-measures" in message and "overlap" in message


def test_overlap_within_a_closed_range_is_refused():
    err = refused(national(effective_from="2022-07-01", effective_to="2022-07-31"))
    assert "cn-9th-edition" in err.fields["rules.close_contact"][0]


def test_no_overlap_for_a_reason_the_set_in_force_does_not_define():
    # the 20 measures have no rule for contacts of close contacts
    data = national(
        rules=[
            {
                "reason": "secondary_contact",
                "phases": [{"kind": "home_health_monitoring", "days": 3, "test_days": [1]}],
            }
        ]
    )
    assert load_rule_set(data).code == "cn-2023"


def test_code_already_used_is_refused():
    assert "code" in refused(national(code="cn-9th-edition", effective_from="2030-01-01")).fields


def test_county_set_for_an_unknown_county_is_refused(make_county_set):
    assert "county" in refused(make_county_set(county="999999")).fields


def test_county_set_must_name_a_county_not_a_township(county, make_county_set):
    assert "county" in refused(make_county_set(county=county.town_a.code)).fields


def test_overlap_is_per_county(county, make_county_set):
    load_rule_set(make_county_set())
    err = refused(make_county_set(code="500242-b", effective_from="2022-12-01"))
    assert "500242-2022-11" in err.fields["rules.close_contact"][0]


def test_load_policy_command_reports_every_bad_field_and_loads_nothing(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(with_phase(days=0, test_days=[1])), encoding="utf-8")
    before = counts()
    with pytest.raises(CommandError):
        call_command("load_policy", str(path))
    err = capsys.readouterr().err
    assert "rules.close_contact.phases.1.days" in err and "not loaded" in err
    assert counts() == before


def test_load_policy_command_loads_a_good_file(tmp_path, capsys):
    path = tmp_path / "good.json"
    data = national(
        rules=[
            {
                "reason": "secondary_contact",
                "phases": [{"kind": "home_health_monitoring", "days": 3, "test_days": [1]}],
            }
        ]
    )
    path.write_text(json.dumps(data), encoding="utf-8")
    call_command("load_policy", str(path))
    assert "loaded cn-2023" in capsys.readouterr().out
    assert RuleSet.objects.filter(code="cn-2023").exists()
