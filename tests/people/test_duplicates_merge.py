"""Likely duplicates (grouped queries) and merging two records of one person."""

import datetime as dt

import pytest

from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditLog, TimelineEvent
from fangkong.core.timeline import record_event
from fangkong.people.models import Household, KeyCategory, Person
from fangkong.people.selectors import likely_duplicates
from fangkong.people.services import merge_persons
from tests.factories import HouseholdFactory, PersonFactory

BIRTH = dt.date(1982, 1, 13)


@pytest.fixture
def twins(county):
    """One man registered twice: once with his ID, once from a ledger without it."""
    a = PersonFactory(
        area=county.village_a,
        name="张三",
        birth_date=BIRTH,
        id_number="513101198201130014",
        phone="",
    )
    b = PersonFactory(
        area=county.village_a,
        name="张三",
        birth_date=BIRTH,
        id_number="",
        phone="13800138000",
        sex="U",
    )
    return a, b


def test_same_name_and_birth_date_are_listed(users, twins):
    groups = likely_duplicates(users["township_a"])
    assert [(g.reason, sorted(p.pk for p in g.persons)) for g in groups] == [
        ("name_birth", sorted(p.pk for p in twins))
    ]


def test_same_name_and_phone_are_listed(users, county):
    a = PersonFactory(area=county.village_a, name="李四", phone="13900139000", id_number="")
    b = PersonFactory(area=county.village_a, name="李四", phone="139 0013 9000", id_number="")
    groups = likely_duplicates(users["county"])
    assert {g.reason for g in groups} == {"name_phone"}
    assert {p.pk for p in groups[0].persons} == {a.pk, b.pk}


def test_two_people_with_different_id_numbers_are_not_duplicates(users, county):
    PersonFactory(area=county.village_a, name="王五", birth_date=dt.date(1990, 1, 1))
    PersonFactory(area=county.village_a, name="王五", birth_date=dt.date(1990, 1, 1))
    assert likely_duplicates(users["county"]) == []


def test_the_list_is_scoped(users, county, twins):
    assert likely_duplicates(users["township_b"]) == []
    # a pair split across townships is only seen by someone who sees both
    PersonFactory(area=county.village_b, name="赵六", birth_date=BIRTH, id_number="")
    PersonFactory(area=county.village_a, name="赵六", birth_date=BIRTH, id_number="")
    assert all(g.name != "赵六" for g in likely_duplicates(users["township_a"]))
    assert any(g.name == "赵六" for g in likely_duplicates(users["county"]))


def test_merge_moves_every_reference_and_the_history(users, county, twins):
    keep, drop = twins
    h = HouseholdFactory(area=county.village_a)
    Person.objects.filter(pk=drop.pk).update(household=h)
    drop.refresh_from_db()
    drop.categories.add(KeyCategory.objects.get(code="kc01"))
    record_event(drop, "tested", "tube negative", by=users["county"])
    earlier = PersonFactory(area=county.village_a, status="merged", merged_into=drop)
    # Every model pointing at Person is found through _meta.related_objects.
    merge_persons(keep, drop, by=users["township_a"])
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert (drop.status, drop.merged_into_id) == ("merged", keep.pk)
    assert keep.phone == "13800138000" and keep.household_id == h.pk  # blanks filled
    assert list(keep.categories.values_list("code", flat=True)) == ["kc01"]
    assert Person.objects.get(pk=earlier.pk).merged_into_id == keep.pk
    kinds = set(TimelineEvent.objects.filter(subject_id=keep.pk).values_list("kind", flat=True))
    assert {"tested", "merged"} <= kinds
    assert TimelineEvent.objects.filter(subject_id=drop.pk, kind="merged_into").exists()
    log = AuditLog.objects.get(action="merge")
    assert log.object_id == str(keep.pk) and str(drop.pk) in log.detail
    # the ID number now leads to the kept person only
    from fangkong.people.services import find_by_id_number

    assert find_by_id_number("513101198201130014") == keep


@pytest.fixture
def later_app_models(db):
    """Two models "a later app" adds, pointing at Person by a foreign key and a many-to-many
    field: merge must move their rows without knowing them."""
    from django.apps import apps
    from django.db import connection, models

    class Stay(models.Model):  # noqa: DJ008
        person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

        class Meta:
            app_label = "people"

    class Pool(models.Model):  # noqa: DJ008
        members = models.ManyToManyField(Person, related_name="+")

        class Meta:
            app_label = "people"

    made = [Stay, Pool, Pool.members.through]
    # Plain DDL inside the test's transaction (rolled back with it); the context manager
    # refuses to run inside a transaction on SQLite.
    editor = connection.schema_editor()
    editor.deferred_sql = []
    editor.create_model(Stay)
    editor.create_model(Pool)  # and its through table
    for sql in editor.deferred_sql:
        editor.execute(sql)
    Person._meta._expire_cache()
    yield Stay, Pool
    for m in made:
        apps.all_models["people"].pop(m._meta.model_name, None)
    apps.clear_cache()
    Person._meta._expire_cache()


def test_merge_moves_references_of_models_added_later(users, twins, later_app_models):
    Stay, Pool = later_app_models
    keep, drop = twins
    stay = Stay.objects.create(person=drop)
    both, only_drop = Pool.objects.create(), Pool.objects.create()
    both.members.add(keep, drop)
    only_drop.members.add(drop)
    merge_persons(keep, drop, by=users["township_a"])
    assert Stay.objects.get(pk=stay.pk).person_id == keep.pk
    assert list(both.members.all()) == [keep]
    assert list(only_drop.members.all()) == [keep]


def test_merge_refusals(users, county, twins):
    keep, drop = twins
    other = PersonFactory(area=county.village_b, name="张三", birth_date=BIRTH, id_number="")
    with pytest.raises(ValidationFailed):
        merge_persons(keep, keep, by=users["township_a"])
    with pytest.raises(NotFound) as exc:
        merge_persons(keep, other, by=users["township_a"])
    assert "drop" in exc.value.fields
    with pytest.raises(PermissionDenied):
        merge_persons(keep, drop, by=users["village_a"])
    merge_persons(keep, drop, by=users["township_a"])
    with pytest.raises(Conflict):
        merge_persons(keep, drop, by=users["township_a"])
    assert Person.objects.get(pk=other.pk).status == "active"
    assert Household.objects.count() == 0


def test_review_and_merge_pages(users, twins, login):
    keep, drop = twins
    client = login(users["township_a"])
    page = client.get("/people/duplicates/").content.decode()
    assert f"?a={keep.pk}&b={drop.pk}" in page
    url = f"/people/duplicates/merge/?a={keep.pk}&b={drop.pk}"
    assert client.get(url).status_code == 200
    resp = client.post(url, {"keep": str(keep.pk)})
    assert resp.status_code == 302 and resp["Location"] == f"/people/persons/{keep.pk}/"
    assert Person.objects.get(pk=drop.pk).status == "merged"
    assert login(users["township_b"]).get(url).status_code == 404


def test_merge_api(users, twins, login):
    keep, drop = twins
    client = login(users["township_a"])
    dup = client.get("/api/v1/duplicates").json()
    assert dup[0]["reason"] == "name_birth"
    resp = client.post(
        "/api/v1/merge", {"keep_id": keep.pk, "drop_id": keep.pk}, content_type="application/json"
    )
    assert resp.status_code == 422 and "drop" in resp.json()["error"]["fields"]
    resp = client.post(
        "/api/v1/merge", {"keep_id": keep.pk, "drop_id": drop.pk}, content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["id"] == keep.pk
    resp = login(users["township_b"]).post(
        "/api/v1/merge", {"keep_id": keep.pk, "drop_id": drop.pk}, content_type="application/json"
    )
    assert resp.status_code == 404
