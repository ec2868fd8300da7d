"""Area scoping: a township officer never sees another township's people, by page, search,
export or API; object URLs of another area answer 404; the county sees all; users without
an area or no longer active see nothing."""

from __future__ import annotations

import json

import pytest

from fangkong.core.models import TimelineEvent
from fangkong.core.roles import Role
from fangkong.core.timeline import record_event
from fangkong.people.models import Household, Person
from tests.core.conftest import xlsx_rows
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db


def names_on_list_page(response) -> set[str]:
    assert response.status_code == 200
    return {obj.name for obj, _values in response.context["rows"]}


# --- the scoped queryset ---------------------------------------------------------------------
def test_person_visible_to_township_officer_only_within_own_township(users, person_a, person_b):
    visible = set(Person.objects.visible_to(users["township_a"]))
    assert person_a in visible and person_b not in visible


def test_person_visible_to_county_covers_every_township(users, person_a, person_b):
    assert {person_a, person_b} <= set(Person.objects.visible_to(users["county"]))


def test_person_visible_to_village_cadre_only_their_village(users, county, person_a):
    elsewhere_in_town_a = PersonFactory(area=county.town_a, name="王五")
    visible = set(Person.objects.visible_to(users["village_a"]))
    assert person_a in visible
    assert elsewhere_in_town_a not in visible


def test_user_without_an_area_sees_nothing(make_user, person_a, person_b):
    nowhere = make_user(Role.COUNTY_COMMAND)
    assert not Person.objects.visible_to(nowhere).exists()


def test_inactive_user_sees_nothing(users, person_a):
    officer = users["township_a"]
    officer.is_active = False
    officer.save()
    assert not Person.objects.visible_to(officer).exists()


def test_anonymous_sees_nothing(person_a):
    from django.contrib.auth.models import AnonymousUser

    assert not Person.objects.visible_to(AnonymousUser()).exists()
    assert not Person.objects.visible_to(None).exists()


def test_household_visible_to_own_township_only(users, county):
    mine = HouseholdFactory(area=county.village_a)
    theirs = HouseholdFactory(area=county.village_b)
    assert set(Household.objects.visible_to(users["township_a"])) == {mine}
    assert set(Household.objects.visible_to(users["township_b"])) == {theirs}
    assert {mine, theirs} <= set(Household.objects.visible_to(users["county"]))
    assert not Household.objects.visible_to(users["township_a"]).filter(pk=theirs.pk).exists()


def test_timeline_event_visible_to_own_township_only(users, person_a, person_b):
    ev_a = record_event(person_a, "registered", "A")
    ev_b = record_event(person_b, "registered", "B")
    assert set(TimelineEvent.objects.visible_to(users["township_a"])) == {ev_a}
    assert set(TimelineEvent.objects.visible_to(users["township_b"])) == {ev_b}
    assert {ev_a, ev_b} <= set(TimelineEvent.objects.visible_to(users["county"]))


def test_timeline_event_without_area_is_visible_to_nobody(users, person_a):
    ev = record_event(person_a, "note", "no area")
    TimelineEvent.objects.filter(pk=ev.pk).update(area=None)
    assert not TimelineEvent.objects.visible_to(users["county"]).filter(pk=ev.pk).exists()


# --- pages -----------------------------------------------------------------------------------
def test_person_detail_page_of_other_township_answers_404(access, person_a, person_b):
    access.check(
        f"/people/persons/{person_b.pk}/",
        allowed=["county", "township_b"],
        denied_role=["lab", "admin"],
        other_area=["township_a", "village_a", "sampler_a"],
    )


def test_person_detail_page_for_user_without_area_answers_404(make_user, login, person_a):
    nowhere = make_user(Role.TOWNSHIP_OFFICER)
    assert login(nowhere).get(f"/people/persons/{person_a.pk}/").status_code == 404


def test_person_list_page_lists_only_own_township(users, login, person_a, person_b):
    assert names_on_list_page(login(users["township_a"]).get("/people/persons/")) == {"张三"}
    assert names_on_list_page(login(users["township_b"]).get("/people/persons/")) == {"李四"}
    assert names_on_list_page(login(users["county"]).get("/people/persons/")) == {"张三", "李四"}


def test_person_list_page_access(access, person_a):
    access.check(
        "/people/persons/",
        allowed=["county", "township_a", "township_b", "village_a", "sampler_a", "auditor"],
        denied_role=["lab", "admin"],
    )


def test_person_list_page_is_empty_for_user_without_area(make_user, login, person_a):
    nowhere = make_user(Role.TOWNSHIP_OFFICER)
    assert names_on_list_page(login(nowhere).get("/people/persons/")) == set()


def test_search_by_name_finds_nothing_in_other_township(users, login, person_b):
    client = login(users["township_a"])
    assert names_on_list_page(client.get("/people/persons/", {"q": "李四"})) == set()
    assert names_on_list_page(client.get("/people/persons/", {"q": "ls"})) == set()
    county = login(users["county"])
    assert names_on_list_page(county.get("/people/persons/", {"q": "李四"})) == {"李四"}


def test_search_by_id_number_and_phone_finds_nothing_in_other_township(users, login, person_b):
    client = login(users["township_a"])
    for q in (person_b.id_number, person_b.phone):
        assert names_on_list_page(client.get("/people/persons/", {"q": q})) == set()
        assert names_on_list_page(login(users["township_b"]).get("/people/persons/", {"q": q})) == {
            "李四"
        }


def test_area_filter_naming_another_township_shows_nothing_of_it(
    users, login, county, person_a, person_b
):
    client = login(users["township_a"])
    response = client.get("/people/persons/", {"area": county.town_b.pk})
    assert "李四" not in names_on_list_page(response)
    assert "张三" in names_on_list_page(response)  # the list rendered (the filter is refused)


def test_export_holds_only_own_township(users, login, person_a, person_b):
    response = login(users["township_a"]).get("/people/persons/", {"export": "xlsx"})
    assert response.status_code == 200
    names = {row[0] for row in xlsx_rows(response)[1:]}
    assert names == {"张三"}


def test_export_for_county_holds_every_township(users, login, person_a, person_b):
    response = login(users["county"]).get("/people/persons/", {"export": "xlsx"})
    assert {row[0] for row in xlsx_rows(response)[1:]} == {"张三", "李四"}


def test_register_person_in_other_township_by_page_is_refused(users, login, county):
    client = login(users["township_a"])
    response = client.post(
        "/people/persons/new/",
        {"area": county.village_b.pk, "name": "赵六", "doc_type": "passport"},
    )
    assert response.status_code == 422
    assert "area" in response.context["form"].errors
    assert not Person.objects.filter(name="赵六").exists()


def test_register_person_in_own_township_by_page_works(users, login, county):
    client = login(users["township_a"])
    response = client.post(
        "/people/persons/new/",
        {"area": county.village_a.pk, "name": "赵六", "doc_type": "passport"},
    )
    assert response.status_code == 302
    assert Person.objects.get(name="赵六").area == county.village_a


# --- API -------------------------------------------------------------------------------------
def test_api_person_of_other_township_answers_404(access, person_b):
    access.check(
        f"/api/v1/persons/{person_b.pk}",
        api=True,
        allowed=["county", "township_b"],
        denied_role=["lab", "admin"],
        other_area=["township_a", "village_a", "sampler_a"],
    )


def test_api_list_excludes_other_township(users, api, token_for, person_a, person_b):
    body = api.get("/api/v1/persons", token_for(users["township_a"])).json()
    assert {p["name"] for p in body["items"]} == {"张三"}
    assert body["count"] == 1
    county_body = api.get("/api/v1/persons", token_for(users["county"])).json()
    assert {p["name"] for p in county_body["items"]} == {"张三", "李四"}


def test_api_search_excludes_other_township(users, api, token_for, person_b):
    token = token_for(users["township_a"])
    for q in ("李四", person_b.id_number, person_b.phone):
        body = api.get("/api/v1/persons", token, q=q).json()
        assert body == {"items": [], "count": 0, "count_capped": False}, q


def test_api_area_filter_on_other_township_is_no_choice(
    users, api, token_for, county, person_a, person_b
):
    """The API filters through the list page's filter set: another township is not one of
    the areas offered, so the filter is refused naming the field, and nothing is listed."""
    token = token_for(users["township_a"])
    mine = api.get("/api/v1/persons", token, area=county.town_a.pk)
    assert mine.status_code == 200
    assert [p["name"] for p in mine.json()["items"]] == ["张三"]
    theirs = api.get("/api/v1/persons", token, area=county.town_b.pk)
    assert theirs.status_code == 422
    assert "area" in theirs.json()["error"]["fields"]
    assert "李四" not in theirs.content.decode()


def test_api_list_empty_for_user_without_area(make_user, api, token_for, person_a):
    nowhere = make_user(Role.TOWNSHIP_OFFICER)
    assert api.get("/api/v1/persons", token_for(nowhere)).json()["count"] == 0


def test_api_token_of_inactive_user_is_refused(users, api, token_for, person_a):
    officer = users["township_a"]
    token = token_for(officer)
    officer.is_active = False
    officer.save()
    assert api.get("/api/v1/persons", token).status_code == 401


def test_api_create_person_in_other_township_is_404_and_writes_nothing(
    users, api, token_for, county
):
    before = Person.objects.count()
    response = api.post(
        "/api/v1/persons",
        token_for(users["township_a"]),
        {"area_id": county.village_b.pk, "name": "赵六", "doc_type": "passport"},
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Person.objects.count() == before


def test_api_create_person_with_other_townships_household_is_refused(users, api, token_for, county):
    theirs = HouseholdFactory(area=county.village_b)
    response = api.post(
        "/api/v1/persons",
        token_for(users["township_a"]),
        {"area_id": county.village_a.pk, "name": "赵六", "household_id": theirs.pk},
    )
    assert response.status_code == 404
    assert "household_id" in response.json()["error"]["fields"]
    assert not Person.objects.filter(name="赵六").exists()


def test_api_create_person_with_existing_id_number_of_other_township_leaks_nothing(
    users, api, token_for, county, person_b
):
    """Registering a person whose ID number already exists in another township is answered
    as any new registration (not even a refusal tells the number is known elsewhere), with
    nothing of that township's record; the county reconciles the two
    (tests/people/test_registration_elsewhere.py)."""
    before = Person.objects.count()
    response = api.post(
        "/api/v1/persons",
        token_for(users["township_a"]),
        {"area_id": county.village_a.pk, "name": "某人", "id_number": person_b.id_number},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True and body["person"]["name"] == "某人"
    assert body["person"]["id"] != person_b.pk
    text = json.dumps(body, ensure_ascii=False)
    assert "某人" in text and str(county.village_a.name) in text
    assert "李四" not in text and str(county.village_b.name) not in text
    assert Person.objects.count() == before + 1


def test_api_create_person_with_existing_id_number_in_own_township_returns_it(
    users, api, token_for, county, person_a
):
    response = api.post(
        "/api/v1/persons",
        token_for(users["township_a"]),
        {"area_id": county.village_a.pk, "name": "张三", "id_number": person_a.id_number},
    )
    assert response.status_code == 200
    assert response.json() == {"created": False, "person": response.json()["person"]}
    assert response.json()["person"]["id"] == person_a.pk


def test_api_create_person_in_own_township_works(users, api, token_for, county):
    response = api.post(
        "/api/v1/persons",
        token_for(users["township_a"]),
        {"area_id": county.village_a.pk, "name": "赵六", "doc_type": "passport"},
    )
    assert response.status_code == 201
    assert response.json()["created"] is True
    assert Person.objects.get(name="赵六").area == county.village_a
