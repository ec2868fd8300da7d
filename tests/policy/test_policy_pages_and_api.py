"""Rule sets can be read and compared by every role, page and API; only county command
enters a county's own set, as JSON, validated like a shipped file."""

import json

import pytest

from fangkong.policy.models import RuleSet

pytestmark = pytest.mark.django_db
EVERYONE = [
    "county",
    "township_a",
    "township_b",
    "village_a",
    "sampler_a",
    "lab",
    "auditor",
    "admin",
]


def set_id(code):
    return RuleSet.objects.get(code=code).pk


# --- pages ------------------------------------------------------------------------------------
def test_rule_set_list_page(access, login, users):
    access.check("/policy/", allowed=EVERYONE)
    page = login(users["auditor"]).get("/policy/")
    assert {obj.code for obj, _v in page.context["rows"]} == {"cn-9th-edition", "cn-20-measures"}
    assert page.context["create_url"] is None
    assert login(users["county"]).get("/policy/").context["create_url"] == "/policy/new/"


def test_rule_set_detail_page_shows_phases_days_and_test_days(access, login, users):
    url = f"/policy/{set_id('cn-20-measures')}/"
    access.check(url, allowed=EVERYONE)
    html = login(users["township_a"]).get(url).content.decode()
    assert "Centralized isolation" in html and "1, 2, 3, 5" in html
    assert "Home isolation" in html and "1, 3" in html


def test_unknown_rule_set_answers_404(login, users):
    assert login(users["county"]).get("/policy/99999/").status_code == 404


def test_compare_page_highlights_what_changed(access, login, users):
    url = f"/policy/compare/?a={set_id('cn-9th-edition')}&b={set_id('cn-20-measures')}"
    access.check(url, allowed=EVERYONE)
    response = login(users["county"]).get(url)
    rows = {r.reason: r for r in response.context["rows"]}
    close = rows["close_contact"]
    assert close.changed
    assert close.phases[0].differs == {"days", "test_days"}
    assert close.phases[1].differs == {"kind", "test_days"}
    assert (close.total_a, close.total_b) == (10, 8)
    assert not rows["pool_positive_awaiting_retest"].changed
    assert rows["secondary_contact"].b is None and rows["secondary_contact"].changed
    assert rows["closed_loop_worker_leaving_post"].a is None
    assert "<mark>" in response.content.decode()


def test_compare_page_defaults_to_the_two_newest(login, users):
    response = login(users["county"]).get("/policy/compare/")
    assert (response.context["a"].code, response.context["b"].code) == (
        "cn-9th-edition",
        "cn-20-measures",
    )


def test_county_command_enters_a_county_set_through_the_json_form(
    access, login, users, make_county_set
):
    access.check("/policy/new/", allowed=["county"], denied_role=["township_a", "auditor", "admin"])
    client = login(users["county"])
    form = client.get("/policy/new/")
    assert '"scope": "county"' in form.context["form"].initial["json"]
    response = client.post("/policy/new/", {"json": json.dumps(make_county_set())})
    rule_set = RuleSet.objects.get(code="500242-2022-11")
    assert response.status_code == 302 and response["Location"] == f"/policy/{rule_set.pk}/"


def test_bad_json_in_the_form_names_the_rule_and_field(login, users, make_county_set):
    data = make_county_set()
    data["rules"][0]["phases"][1]["test_days"] = [9]
    response = login(users["county"]).post("/policy/new/", {"json": json.dumps(data)})
    assert response.status_code == 422
    errors = " ".join(response.context["form"].non_field_errors())
    assert "rules.close_contact.phases.2.test_days" in errors and "9" in errors
    assert not RuleSet.objects.filter(scope="county").exists()


def test_unparsable_json_lands_on_the_field(login, users):
    response = login(users["county"]).post("/policy/new/", {"json": "{oops"})
    assert response.status_code == 422
    assert response.context["form"].errors["json"]


def test_ending_a_county_set_from_its_page(login, users, county, make_county_set):
    client = login(users["county"])
    client.post("/policy/new/", {"json": json.dumps(make_county_set())})
    rule_set = RuleSet.objects.get(code="500242-2022-11")
    response = client.post(f"/policy/{rule_set.pk}/end/", {"effective_to": "2022-11-30"})
    assert response.status_code == 302
    rule_set.refresh_from_db()
    assert str(rule_set.effective_to) == "2022-11-30"
    bad = client.post(f"/policy/{rule_set.pk}/end/", {"effective_to": "2022-11-01"})
    assert bad.status_code == 422 and bad.context["form"].errors["effective_to"]


# --- API --------------------------------------------------------------------------------------
def test_api_rule_sets_list_and_detail(access, login, users):
    access.check("/api/v1/policy/rule-sets", allowed=EVERYONE, api=True)
    body = login(users["lab"]).get("/api/v1/policy/rule-sets").json()
    assert [i["code"] for i in body["items"]] == ["cn-20-measures", "cn-9th-edition"]
    detail = login(users["lab"]).get(f"/api/v1/policy/rule-sets/{set_id('cn-20-measures')}").json()
    close = next(r for r in detail["rules"] if r["reason"] == "close_contact")
    assert close["total_days"] == 8
    assert close["phases"][1] == {
        "order": 2,
        "kind": "home_isolation",
        "days": 3,
        "test_days": [1, 3],
    }


def test_api_unknown_rule_set_is_a_404_in_the_error_format(login, users):
    response = login(users["county"]).get("/api/v1/policy/rule-sets/99999")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_api_rule_in_force(access, login, users):
    url = "/api/v1/policy/rule?reason=close_contact&date=2022-11-23"
    access.check(url, allowed=EVERYONE, api=True)
    body = login(users["sampler_a"]).get(url).json()
    assert body["rule_set"]["code"] == "cn-20-measures"
    assert [(p["kind"], p["days"]) for p in body["rule"]["phases"]] == [
        ("centralized_isolation", 5),
        ("home_isolation", 3),
    ]


def test_api_rule_in_force_none(login, users):
    response = login(users["county"]).get(
        "/api/v1/policy/rule", {"reason": "secondary_contact", "date": "2022-11-23"}
    )
    assert response.status_code == 404
    assert "reason" in response.json()["error"]["fields"]


def test_api_rule_in_force_bad_input(login, users):
    client = login(users["county"])
    response = client.get("/api/v1/policy/rule", {"reason": "cousin", "date": "2022-11-23"})
    assert response.status_code == 422 and "reason" in response.json()["error"]["fields"]
    response = client.get("/api/v1/policy/rule", {"reason": "close_contact", "date": "2022-13-01"})
    assert response.status_code == 422 and "date" in response.json()["error"]["fields"]


def test_api_rule_in_force_for_an_area_outside_the_users_areas(login, users, county):
    response = login(users["township_a"]).get(
        "/api/v1/policy/rule",
        {"reason": "close_contact", "date": "2022-11-23", "area": county.village_b.pk},
    )
    assert response.status_code == 404 and "area" in response.json()["error"]["fields"]


def test_api_county_rules_apply_in_the_county(login, users, county, make_county_set):
    client = login(users["county"])
    created = client.post(
        "/api/v1/policy/rule-sets", make_county_set(), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    body = client.get(
        "/api/v1/policy/rule",
        {"reason": "close_contact", "date": "2022-11-23", "area": county.village_a.pk},
    ).json()
    assert body["rule_set"]["code"] == "500242-2022-11"


def test_api_create_rule_set_refusals(access, login, users, make_county_set):
    access.check(
        "/api/v1/policy/rule-sets",
        method="post",
        data=make_county_set(code="x-1"),
        api=True,
        denied_role=["township_a", "auditor", "lab"],
        ok=201,
        allowed=[],
    )
    data = make_county_set(effective_from="not a date")
    response = login(users["county"]).post(
        "/api/v1/policy/rule-sets", data, content_type="application/json"
    )
    assert response.status_code == 422
    assert "effective_from" in response.json()["error"]["fields"]


def test_api_compare(access, login, users):
    url = f"/api/v1/policy/compare?a={set_id('cn-9th-edition')}&b={set_id('cn-20-measures')}"
    access.check(url, allowed=EVERYONE, api=True)
    body = login(users["county"]).get(url).json()
    close = next(r for r in body["reasons"] if r["reason"] == "close_contact")
    assert close["changed"] and close["phases"][0]["differs"] == ["days", "test_days"]
