"""Risk areas on the county's grid: designated with the rule set's measures, everyone inside
counted and listed, proposed for lifting after 5 days without a new infection inside,
lifted by the command centre (earlier only with a reason), history kept."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.arrivals import selectors, services
from fangkong.arrivals.choices import DesignationStatus
from fangkong.arrivals.models import RiskDesignation
from fangkong.core.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from fangkong.testing.models import Result
from tests.factories import PersonFactory, add_area
from tests.scoping_world import World

pytestmark = pytest.mark.django_db


def days_ago(n):
    return timezone.localdate() - dt.timedelta(days=n)


def test_designation_takes_the_rule_sets_measures_and_counts_the_people_inside(county, staff):
    building = add_area(county.village_a, "500242002001001", "1栋", "building")
    inside = [PersonFactory(area=building) for _ in range(3)]
    PersonFactory(area=county.village_a)  # in the village, not in the building
    d = services.designate(
        area=building, level="high", starts_on=timezone.localdate(), by=staff["county"]
    )
    assert "足不出户" in d.measures
    assert set(selectors.residents_inside(d)) == set(inside)
    low = services.designate(
        area=county.village_b, level="low", starts_on=timezone.localdate(), by=staff["county"]
    )
    assert "足不出区" in low.measures
    assert selectors.designation_counts(staff["county"]) == {"high": 1, "low": 1, "people": 3}
    assert selectors.designation_counts(staff["township_b"])["high"] == 0


def test_one_designation_in_force_per_area_and_only_the_command_designates(county, staff):
    services.designate(
        area=county.village_a, level="high", starts_on=timezone.localdate(), by=staff["county"]
    )
    with pytest.raises(Conflict):
        services.designate(
            area=county.village_a, level="low", starts_on=timezone.localdate(), by=staff["county"]
        )
    with pytest.raises(PermissionDenied):
        services.designate(
            area=county.village_b,
            level="low",
            starts_on=timezone.localdate(),
            by=staff["township_b"],
        )
    with pytest.raises(ValidationFailed) as exc:
        services.designate(
            area=county.county, level="high", starts_on=timezone.localdate(), by=staff["county"]
        )
    assert "area" in exc.value.fields
    assert RiskDesignation.objects.count() == 1


def test_lifting_before_the_clean_days_needs_a_reason(county, staff):
    d = services.designate(
        area=county.village_a, level="high", starts_on=days_ago(2), by=staff["county"]
    )
    assert selectors.clean_days(d) == 2
    with pytest.raises(ValidationFailed) as exc:
        services.lift(d, by=staff["county"])
    assert "lift_reason" in exc.value.fields
    assert RiskDesignation.objects.get(pk=d.pk).status == DesignationStatus.ACTIVE
    lifted = services.lift(d, reason="全员核酸阴性，专家组评估", by=staff["county"])
    assert lifted.status == DesignationStatus.LIFTED and lifted.clean_days_at_lift == 2
    with pytest.raises(IllegalTransition):
        services.lift(d, reason="again", by=staff["county"])


def test_after_five_clean_days_it_is_proposed_and_lifted_without_reason(county, staff):
    d = services.designate(
        area=county.village_a, level="high", starts_on=days_ago(5), by=staff["county"]
    )
    fresh = services.designate(
        area=county.village_b, level="high", starts_on=days_ago(1), by=staff["county"]
    )
    assert selectors.due_lift_ids(staff["county"]) == {d.pk}
    assert selectors.due_lift_work(staff["county"], timezone.now()).count == 1
    services.lift(d, by=staff["county"])
    assert RiskDesignation.objects.get(pk=d.pk).lift_reason == ""
    assert fresh.status == DesignationStatus.ACTIVE
    # the history: a new designation of the same area later, the old one kept
    again = services.designate(
        area=county.village_a, level="low", starts_on=timezone.localdate(), by=staff["county"]
    )
    assert RiskDesignation.objects.filter(area=county.village_a).count() == 2 and again.pk != d.pk


def test_a_positive_result_inside_restarts_the_count(county, staff, users):
    d = services.designate(
        area=county.village_a, level="high", starts_on=days_ago(8), by=staff["county"]
    )
    assert selectors.clean_days(d) == 8
    result = World(county, users["county"]).get("testing.Result")  # positive, in village A
    Result.objects.filter(pk=result.pk).update(tested_at=timezone.now() - dt.timedelta(days=2))
    assert selectors.clean_days(d) == 2
    assert selectors.due_lift_ids(staff["county"]) == set()
    Result.objects.filter(pk=result.pk).update(tested_at=timezone.now() - dt.timedelta(days=6))
    assert selectors.due_lift_ids(staff["county"]) == {d.pk}


def test_another_townships_designation_is_not_found(county, staff):
    d = services.designate(
        area=county.village_a, level="high", starts_on=days_ago(6), by=staff["county"]
    )
    from fangkong.core.roles import Role
    from tests.factories import UserFactory

    command_b = UserFactory(roles=[Role.COUNTY_COMMAND], areas=[county.town_b])
    with pytest.raises(NotFound):
        services.lift(d, by=command_b)
    assert services.lift(d, by=staff["county"]).status == DesignationStatus.LIFTED


def test_pages(county, staff, login, access):
    d = services.designate(
        area=county.village_a, level="high", starts_on=days_ago(1), by=staff["county"]
    )
    PersonFactory(area=county.village_a, name="赵一")
    access.check(
        reverse("arrivals:designation_list"),
        allowed=["county", "township_a", "village_a"],
        denied_role=["lab"],
    )
    page = login(staff["township_a"]).get(d.get_absolute_url())
    body = page.content.decode()
    assert page.status_code == 200 and "赵一" in body and 'data-testid="people-count">1<' in body
    r = login(staff["county"]).post(
        reverse("arrivals:designation_lift", args=[d.pk]), {"reason": ""}
    )
    assert (
        r.status_code == 302
        and RiskDesignation.objects.get(pk=d.pk).status == DesignationStatus.ACTIVE
    )
    r = login(staff["county"]).post(
        reverse("arrivals:designation_lift", args=[d.pk]), {"reason": "评估"}
    )
    assert RiskDesignation.objects.get(pk=d.pk).status == DesignationStatus.LIFTED
    api = login(staff["county"]).get(f"/api/v1/arrivals/risk-areas/{d.pk}").json()
    assert api["status"] == "lifted" and api["residents"] == 1


# --- the last case inside (the cases app) decides, positives it has not judged count too ------
def _case(person, by, days_ago_):
    from fangkong.cases.services import register_case

    at = timezone.now() - dt.timedelta(days=days_ago_)
    return register_case(person, kind="confirmed", sampled_at=at - dt.timedelta(hours=3),
                         sampling_place="采样点", reported_at=at, by=by)  # fmt: skip


def test_the_last_case_inside_restarts_the_count_and_the_page_says_when_to_lift(
    county, staff, login
):
    d = services.designate(
        area=county.village_a, level="high", starts_on=days_ago(8), by=staff["county"]
    )
    case = _case(PersonFactory(area=county.village_a), staff["county"], 2)
    _case(PersonFactory(area=county.village_b), staff["county"], 0)  # outside: not counted
    assert selectors.last_infection(d.area.path) == selectors.LastInfection(days_ago(2), "case")
    assert selectors.clean_days(d) == 2 and selectors.due_lift_ids(staff["county"]) == set()
    body = login(staff["township_a"]).get(d.get_absolute_url()).content.decode()
    assert f'data-testid="last-infection">{days_ago(2):%Y-%m-%d}' in body
    assert f"{days_ago(-3):%Y-%m-%d}" in body.split('data-testid="lift-on">')[1][:80]
    api = login(staff["county"]).get(f"/api/v1/arrivals/risk-areas/{d.pk}").json()
    assert (api["last_infection_on"], api["last_infection_source"]) == (
        days_ago(2).isoformat(), "case"
    )  # fmt: skip
    assert api["can_lift_on"] == days_ago(-3).isoformat() and api["clean_days"] == 2
    # lifting early still needs a reason
    with pytest.raises(ValidationFailed):
        services.lift(d, by=staff["county"])
    # five days after the case's report day it is proposed, and the page says so
    from fangkong.cases.models import Case

    Case.objects.filter(pk=case.pk).update(reported_on=days_ago(5))
    assert selectors.due_lift_ids(staff["county"]) == {d.pk}
    body = login(staff["county"]).get(d.get_absolute_url()).content.decode()
    assert 'data-testid="lift-on">' in body and "proposed for lifting" in body
    # another township's officer does not see the area at all
    assert login(staff["township_b"]).get(d.get_absolute_url()).status_code == 404


def test_a_positive_counts_until_the_cases_app_has_judged_it(county, staff, users):
    from fangkong.cases.models import CaseCandidate
    from fangkong.cases.services import dismiss_candidate

    d = services.designate(
        area=county.village_a, level="high", starts_on=days_ago(8), by=staff["county"]
    )
    result = World(county, users["county"]).get("testing.Result")  # positive, single tube
    Result.objects.filter(pk=result.pk).update(tested_at=timezone.now() - dt.timedelta(days=2))
    assert selectors.last_infection(d.area.path) == selectors.LastInfection(days_ago(2), "result")
    assert selectors.due_lift_ids(staff["county"]) == set()
    candidate = CaseCandidate.objects.get(tube=result.tube)
    # the person becomes a case reported 6 days ago (registered from a history): the case's
    # report day counts, not the result's
    case = _case(candidate.person, staff["county"], 6)
    assert selectors.last_infection(d.area.path) == selectors.LastInfection(days_ago(6), "case")
    assert selectors.due_lift_ids(staff["county"]) == {d.pk}
    # a dismissed candidate is no infection at all
    from fangkong.cases.models import Case

    Case.objects.filter(pk=case.pk).delete()
    assert selectors.clean_days(d) == 2
    dismiss_candidate(candidate, reason="实验室污染，复核阴性", by=staff["county"])
    assert selectors.clean_days(d) == 8 and selectors.due_lift_ids(staff["county"]) == {d.pk}


def test_the_list_shows_each_areas_days_without_infection_in_one_query(county, staff, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    quiet = services.designate(
        area=county.village_b, level="high", starts_on=days_ago(6), by=staff["county"]
    )
    client = login(staff["county"])
    url = reverse("arrivals:designation_list")
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    hit = services.designate(
        area=county.village_a, level="high", starts_on=days_ago(8), by=staff["county"]
    )
    _case(PersonFactory(area=county.village_a), staff["county"], 2)
    with CaptureQueriesContext(connection) as two:
        body = client.get(url).content.decode()
    assert len(two) == len(one)  # a second row costs no query
    assert selectors.clean_days(hit) == 2 and selectors.clean_days(quiet) == 6

    def row_of(name: str) -> str:
        (row,) = [r for r in body.split("<tr")[1:] if name in r]
        return "".join(row.split())

    assert 'infection">2</td>' in row_of(hit.area.name)
    assert 'infection">6</td>' in row_of(quiet.area.name)
