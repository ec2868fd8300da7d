"""The eligibility check: per household, conditions from the rule set, failing homes on
the placement queue that the transfers app takes from."""

import pytest

from fangkong.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import Notice
from fangkong.core.roles import Role
from fangkong.home_isolation import selectors, services
from fangkong.home_isolation.choices import Origin, Outcome, PlacementState
from fangkong.policy.models import RuleSet

pytestmark = pytest.mark.django_db(transaction=False)

GOOD = dict(own_room=True, own_bathroom=True, children_with_parent=True)


def test_a_home_meeting_every_condition_is_eligible_and_records_who_lives_there(users, family):
    head, child, granny = family
    a = services.assess_household(head, services.Answers(**GOOD), origin=Origin.RELEASE,
                                  by=users["village_a"])  # fmt: skip
    assert a.outcome == Outcome.ELIGIBLE
    assert a.placement_state == PlacementState.NOT_NEEDED
    assert sorted(a.members) == sorted(p.pk for p in family)
    assert a.rule_set_code == "cn-20-measures"
    assert a.conditions["child_max_age"] == 14
    assert not selectors.awaiting_placement(users["county"]).exists()


def test_a_shared_bathroom_fails_and_goes_onto_the_placement_queue_with_the_reason(
    users, family, make_user, county, django_capture_on_commit_callbacks
):
    site = make_user(Role.SITE_MANAGER, county.town_a, username="site_a")
    with django_capture_on_commit_callbacks(execute=True):
        a = services.assess_household(family[0], services.Answers(own_room=True, children_with_parent=True),
                                      origin=Origin.CADRE, by=users["village_a"])  # fmt: skip
    assert a.outcome == Outcome.INELIGIBLE
    assert [r["code"] for r in a.reasons] == ["own_bathroom"]
    assert list(selectors.awaiting_placement(site)) == [a]
    assert Notice.objects.filter(user=site, kind="home.placement").exists()


def test_a_child_without_a_parent_and_an_elderly_carer_fail(users, family):
    head, child, granny = family
    a = services.assess_household(
        head,
        services.Answers(own_room=True, own_bathroom=True, dependants=True, carer=granny),
        origin=Origin.ARRIVAL,
        by=users["village_a"],
    )
    assert {r["code"] for r in a.reasons} == {"child_with_parent", "carer_fit"}
    assert a.outcome == Outcome.INELIGIBLE


def test_a_rule_set_allowing_a_cleaned_shared_bathroom_is_followed(users, family):
    rs = RuleSet.objects.get(code="cn-20-measures")
    block = dict(rs.home_isolation)
    block["conditions"] = [
        c | ({"unless": "shared_bathroom_cleaned"} if c["code"] == "own_bathroom" else {})
        for c in block["conditions"]
    ]
    rs.home_isolation = block
    rs.save()
    a = services.assess_household(
        family[0], services.Answers(own_room=True, shared_bathroom_cleaned=True,
                                    children_with_parent=True),
        origin=Origin.CADRE, by=users["village_a"],
    )  # fmt: skip
    assert a.outcome == Outcome.ELIGIBLE
    a2 = services.assess_household(family[0], services.Answers(own_room=True, children_with_parent=True),
                                   origin=Origin.CADRE, by=users["village_a"])  # fmt: skip
    assert a2.outcome == Outcome.INELIGIBLE


def test_outside_the_users_areas_wrong_role_and_bad_origin_are_refused(users, family, person_b):
    from fangkong.home_isolation.models import EligibilityAssessment

    with pytest.raises(NotFound):
        services.assess_household(person_b, services.Answers(**GOOD), origin=Origin.CADRE,
                                  by=users["village_a"])  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.assess_household(family[0], services.Answers(**GOOD), origin=Origin.CADRE,
                                  by=users["sampler_a"])  # fmt: skip
    with pytest.raises(ValidationFailed) as e:
        services.assess_household(family[0], services.Answers(**GOOD), origin="moon",
                                  by=users["village_a"])  # fmt: skip
    assert "origin" in e.value.fields
    assert not EligibilityAssessment.objects.exists()
    ok = services.assess_household(family[0], services.Answers(**GOOD), origin=Origin.CADRE,
                                   by=users["village_a"])  # fmt: skip
    assert ok.pk


def test_a_carer_from_another_home_is_refused(users, family, person_a):
    with pytest.raises(ValidationFailed) as e:
        services.assess_household(family[0], services.Answers(**GOOD, dependants=True, carer=person_a),
                                  origin=Origin.CADRE, by=users["village_a"])  # fmt: skip
    assert "carer" in e.value.fields


def test_the_transfers_app_takes_a_household_once(users, family, make_user, county):
    dispatcher = make_user(Role.TRANSFER_DISPATCHER, county.town_a, username="disp_a")
    a = services.assess_household(family[0], services.Answers(), origin=Origin.CADRE,
                                  by=users["village_a"])  # fmt: skip
    assert list(selectors.awaiting_placement(dispatcher)) == [a]
    services.take_for_placement(a, by=dispatcher, note="trip 12")
    a.refresh_from_db()
    assert a.placement_state == PlacementState.TAKEN
    assert not selectors.awaiting_placement(dispatcher).exists()
    with pytest.raises(IllegalTransition):
        services.take_for_placement(a, by=dispatcher)
    with pytest.raises(PermissionDenied):
        services.take_for_placement(a, by=users["village_a"])
