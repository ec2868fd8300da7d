"""Registering a document number another township holds tells the township nothing about
it: the registration goes ahead exactly as a new one would (page, API, import), and the
county command centre finds the two records in its likely duplicates to merge. Within the
user's own areas a known number still opens the existing record."""

from __future__ import annotations

import json

import pytest

from fangkong.core.models import AuditLog
from fangkong.people import services
from fangkong.people.models import Person
from fangkong.people.selectors import likely_duplicates
from fangkong.people.services import PersonData
from fangkong.people.services.persons import RECONCILE
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

HELD_BY_B = "513101198201130014"
FRESH = "11010519491231002X"


@pytest.fixture
def in_b(county):
    """The person township B registered first."""
    return PersonFactory(
        area=county.village_b, name="李四", id_number=HELD_BY_B, phone="13912345678"
    )


def register_api(client, number, name="张三"):
    return client.post(
        "/api/v1/persons",
        json.dumps({"area_id": client.area.pk, "name": name, "id_number": number}),
        content_type="application/json",
    )


@pytest.fixture
def town_a(users, county, login):
    client = login(users["township_a"])
    client.area = county.village_a
    return client


def test_the_api_answers_as_for_a_new_person_and_shows_nothing_of_b(town_a, in_b):
    held = register_api(town_a, HELD_BY_B)
    fresh = register_api(town_a, FRESH, name="王五")
    assert held.status_code == fresh.status_code == 201
    body, fresh_body = json.loads(held.content), json.loads(fresh.content)
    assert body["created"] is True and fresh_body["created"] is True
    assert set(body["person"]) == set(fresh_body["person"])
    assert body["person"]["name"] == "张三"
    assert body["person"]["id"] != in_b.pk
    text = held.content.decode()
    for trace in (in_b.name, "李四", str(in_b.area.name), "13912345678"[-4:]):
        assert trace not in text
    mine = Person.objects.get(pk=body["person"]["id"])
    assert mine.area_id == town_a.area.pk and mine.id_number == HELD_BY_B


def test_the_page_answers_as_for_a_new_person(town_a, county, in_b):
    form = {"area": county.village_a.pk, "name": "张三", "doc_type": "resident_id"}
    response = town_a.post("/people/persons/new/", {**form, "id_number": HELD_BY_B})
    assert response.status_code == 302
    mine = Person.objects.exclude(pk=in_b.pk).get(id_number_index=in_b.id_number_index)
    assert response["Location"] == f"/people/persons/{mine.pk}/"
    page = town_a.get(response["Location"]).content.decode()
    assert "张三" in page and "李四" not in page


def test_the_county_sees_the_two_records_to_reconcile(users, town_a, in_b, login):
    mine_id = json.loads(register_api(town_a, HELD_BY_B).content)["person"]["id"]
    groups = likely_duplicates(users["county"])
    assert [(g.reason, sorted(p.pk for p in g.persons)) for g in groups] == [
        ("same_id", sorted([in_b.pk, mine_id]))
    ]
    page = login(users["county"]).get("/people/duplicates/")
    assert page.status_code == 200
    assert "Same document number, registered in two places" in page.content.decode()
    api = json.loads(login(users["county"]).get("/api/v1/duplicates").content)
    assert [g["reason"] for g in api] == ["same_id"]
    # neither township sees the other's record there
    assert likely_duplicates(users["township_a"]) == []
    assert likely_duplicates(users["township_b"]) == []
    entry = AuditLog.objects.get(action="create", object_id=str(mine_id))
    assert entry.detail == RECONCILE


def test_the_county_merges_them(users, town_a, in_b, login):
    mine_id = json.loads(register_api(town_a, HELD_BY_B).content)["person"]["id"]
    response = login(users["county"]).post(
        f"/people/duplicates/merge/?a={in_b.pk}&b={mine_id}", {"keep": str(in_b.pk)}
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=mine_id).merged_into_id == in_b.pk
    assert likely_duplicates(users["county"]) == []


def test_a_number_known_in_ones_own_areas_still_opens_that_record(users, county, town_a):
    first = register_api(town_a, FRESH)
    again = register_api(town_a, FRESH, name="张叁")
    assert (first.status_code, again.status_code) == (201, 200)
    assert json.loads(again.content)["person"]["id"] == json.loads(first.content)["person"]["id"]
    assert json.loads(again.content)["created"] is False


def test_a_second_registration_in_a_finds_a_own_copy(users, county, town_a, in_b):
    first = json.loads(register_api(town_a, HELD_BY_B).content)["person"]["id"]
    again = register_api(town_a, HELD_BY_B)
    assert again.status_code == 200
    assert json.loads(again.content)["person"]["id"] == first


def test_changing_a_number_to_one_held_in_b_is_saved_for_the_county_to_reconcile(
    users, county, in_b
):
    mine, _ = services.create_person(
        by=users["township_a"], area=county.village_a, data=PersonData(name="张三", id_number="")
    )
    services.update_person(
        mine,
        by=users["township_a"],
        area=county.village_a,
        data=PersonData(name="张三", id_number=HELD_BY_B),
    )
    assert Person.objects.get(pk=mine.pk).id_number == HELD_BY_B
    assert AuditLog.objects.get(action="update", object_id=str(mine.pk)).detail == RECONCILE
    assert [g.reason for g in likely_duplicates(users["county"])] == ["same_id"]
