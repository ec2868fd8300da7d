"""The national rule sets ship as data and are loaded by a migration: the 9th edition until
2022-11-10, the 20 measures from 2022-11-11 (in force on 2022-11-23)."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from fangkong.core.errors import NotFound, ValidationFailed
from fangkong.policy.loader import DATA_DIR, SHIPPED_FILES, load_shipped
from fangkong.policy.models import RuleSet
from fangkong.policy.selectors import rule_for

pytestmark = pytest.mark.django_db


def phases(rule):
    return [(p.kind, p.days, p.test_days) for p in rule.phases.all()]


def test_both_national_rule_sets_are_loaded_by_the_migration():
    ninth = RuleSet.objects.get(code="cn-9th-edition")
    twenty = RuleSet.objects.get(code="cn-20-measures")
    assert (ninth.scope, ninth.effective_from, ninth.effective_to) == (
        "national",
        dt.date(2022, 6, 28),
        dt.date(2022, 11, 10),
    )
    assert (twenty.scope, twenty.effective_from, twenty.effective_to) == (
        "national",
        dt.date(2022, 11, 11),
        None,
    )


def test_close_contact_on_2022_11_23_is_five_days_centralized_plus_three_at_home():
    rule = rule_for("close_contact", dt.date(2022, 11, 23))
    assert rule.rule_set.code == "cn-20-measures"
    assert phases(rule) == [
        ("centralized_isolation", 5, [1, 2, 3, 5]),
        ("home_isolation", 3, [1, 3]),
    ]


def test_close_contact_on_2022_11_01_is_the_ninth_edition_seven_plus_three():
    rule = rule_for("close_contact", dt.date(2022, 11, 1))
    assert rule.rule_set.code == "cn-9th-edition"
    assert phases(rule) == [
        ("centralized_isolation", 7, [1, 2, 3, 5, 7]),
        ("home_health_monitoring", 3, [3]),
    ]


def test_the_last_day_of_the_ninth_edition_and_the_first_of_the_twenty_measures():
    assert rule_for("close_contact", dt.date(2022, 11, 10)).rule_set.code == "cn-9th-edition"
    assert rule_for("close_contact", dt.date(2022, 11, 11)).rule_set.code == "cn-20-measures"


@pytest.mark.parametrize(
    ("reason", "day", "expected"),
    [
        ("inbound_traveller", "2022-11-23", [("centralized_isolation", 5, [1, 2, 3, 5]), ("home_isolation", 3, [1, 3])]),
        ("inbound_traveller", "2022-08-01", [("centralized_isolation", 7, [1, 2, 3, 5, 7]), ("home_health_monitoring", 3, [3])]),
        ("left_high_risk_area", "2022-11-23", [("home_isolation", 7, [1, 3, 5, 7])]),
        ("left_high_risk_area", "2022-08-01", [("centralized_isolation", 7, [1, 2, 3, 5, 7])]),
        ("closed_loop_worker_leaving_post", "2022-11-23", [("home_health_monitoring", 5, [1, 3, 5])]),
        ("secondary_contact", "2022-08-01", [("home_isolation", 7, [1, 4, 7])]),
    ],
)  # fmt: skip
def test_facts_table(reason, day, expected):
    assert phases(rule_for(reason, dt.date.fromisoformat(day))) == expected


def test_secondary_contacts_are_no_longer_identified_under_the_twenty_measures():
    with pytest.raises(NotFound) as exc:
        rule_for("secondary_contact", dt.date(2022, 11, 23))
    assert "2022-11-23" in str(exc.value.message)
    assert "reason" in exc.value.fields


def test_closed_loop_workers_had_no_rule_under_the_ninth_edition():
    with pytest.raises(NotFound):
        rule_for("closed_loop_worker_leaving_post", dt.date(2022, 8, 1))


def test_no_rule_before_the_ninth_edition():
    with pytest.raises(NotFound):
        rule_for("close_contact", dt.date(2022, 6, 27))


def test_unknown_reason_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        rule_for("cousin", dt.date(2022, 11, 23))
    assert "reason" in exc.value.fields


def test_guessed_test_days_and_local_practice_are_marked_in_notes():
    ninth = RuleSet.objects.get(code="cn-9th-edition")
    assert "best reading" in ninth.rules.get(reason="left_high_risk_area").notes
    for rs in RuleSet.objects.filter(scope="national"):
        assert "Local practice" in rs.rules.get(reason="pool_positive_awaiting_retest").notes


def test_loading_the_shipped_files_again_changes_nothing():
    before = RuleSet.objects.count()
    assert load_shipped() == []
    assert RuleSet.objects.count() == before


def test_load_policy_command_refuses_a_set_already_loaded(capsys):
    with pytest.raises(CommandError):
        call_command("load_policy", str(DATA_DIR / SHIPPED_FILES[1]))
    assert "a rule set cn-20-measures exists already" in capsys.readouterr().err


def test_load_policy_check_validates_without_writing(capsys):
    before = RuleSet.objects.count()
    call_command("load_policy", "--check", *(str(DATA_DIR / f) for f in SHIPPED_FILES))
    assert "cn-9th-edition is valid" in capsys.readouterr().out
    assert RuleSet.objects.count() == before
