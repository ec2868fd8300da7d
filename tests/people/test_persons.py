"""Registering and editing persons and households, and what the person page shows."""

import datetime as dt

import pytest

from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditLog, TimelineEvent
from fangkong.people import services
from fangkong.people.models import KeyCategory, Person
from fangkong.people.services import PersonData
from tests.factories import HouseholdFactory, PersonFactory

ZHANG = "513101198201130014"  # male, born 1982-01-13


def data(**kw):
    return PersonData(**{"name": "张三", "id_number": ZHANG, **kw})


def fields_of(exc):
    return set(exc.value.fields)


def test_a_resident_id_gives_birth_date_and_sex(users, county):
    person, created = services.create_person(
        by=users["township_a"], area=county.village_a, data=data(phone="13800138000")
    )
    assert created
    assert (person.birth_date, person.sex, person.name_initials) == (
        dt.date(1982, 1, 13),
        "M",
        "zs",
    )
    assert Person.objects.get(pk=person.pk).id_number == ZHANG
    assert AuditLog.objects.filter(action="create", object_id=str(person.pk)).exists()
    assert TimelineEvent.objects.filter(subject_id=person.pk, kind="registered").exists()


@pytest.mark.parametrize(
    ("kw", "field", "reason"),
    [
        ({"id_number": "513101198201130015"}, "id_number", "check character"),
        ({"birth_date": dt.date(1982, 1, 14)}, "birth_date", "1982-01-13"),
        ({"sex": "F"}, "sex", "Male"),
        ({"phone": "12800138000"}, "phone", "prefix"),
        ({"name": " "}, "name", "required"),
    ],
)
def test_bad_input_names_the_field_and_the_reason(users, county, kw, field, reason):
    with pytest.raises(ValidationFailed) as exc:
        services.create_person(by=users["township_a"], area=county.village_a, data=data(**kw))
    assert field in fields_of(exc)
    assert reason in " ".join(str(m) for m in exc.value.fields[field])
    assert not Person.objects.exists()


ZHANG_FULL_WIDTH = "５１３１０１１９８２０１１３００１４"


def test_a_full_width_id_number_registers_and_finds_the_same_person(users, county):
    person, created = services.create_person(
        by=users["township_a"], area=county.village_a,
        data=data(id_number=ZHANG_FULL_WIDTH, phone="１３８００１３８０００"),
    )  # fmt: skip
    assert created and Person.objects.get(pk=person.pk).id_number == ZHANG
    assert Person.objects.get(pk=person.pk).phone == "13800138000"
    again, created = services.create_person(
        by=users["township_a"], area=county.village_a, data=data()
    )
    assert not created and again.pk == person.pk
    from fangkong.people.selectors import search_persons

    assert list(search_persons(users["township_a"], ZHANG_FULL_WIDTH)) == [person]


def test_a_full_width_id_number_through_the_form(users, county, login):
    resp = login(users["township_a"]).post(
        "/people/persons/new/",
        {"area": county.village_a.pk, "name": "张三", "doc_type": "resident_id",
         "id_number": ZHANG_FULL_WIDTH},
    )  # fmt: skip
    assert resp.status_code == 302, resp.content.decode()[:2000]
    assert Person.objects.get().id_number == ZHANG


def test_other_document_types_are_accepted_as_entered(users, county):
    person, _ = services.create_person(
        by=users["township_a"],
        area=county.village_a,
        data=data(
            doc_type="passport", id_number="E12345678", sex="F", birth_date=dt.date(1990, 5, 1)
        ),
    )
    assert (person.id_number, person.sex, person.birth_date) == (
        "E12345678",
        "F",
        dt.date(1990, 5, 1),
    )


def test_an_existing_id_number_returns_the_existing_person(users, county):
    first, created1 = services.create_person(
        by=users["township_a"], area=county.village_a, data=data()
    )
    again, created2 = services.create_person(
        by=users["county"], area=county.village_b, data=data(name="张叁")
    )
    assert created1 and not created2
    assert again.pk == first.pk
    assert Person.objects.count() == 1


def test_another_townships_area_is_not_found(users, county):
    with pytest.raises(NotFound) as exc:
        services.create_person(by=users["township_a"], area=county.village_b, data=data())
    assert "area" in fields_of(exc)


def test_a_household_the_user_may_not_touch_is_not_found_naming_the_field(users, county):
    other = HouseholdFactory(area=county.village_b)
    with pytest.raises(NotFound) as exc:
        services.create_person(
            by=users["township_a"], area=county.village_a, data=data(), household=other
        )
    assert "household" in fields_of(exc)


def test_a_household_in_another_area_of_mine_is_refused(users, county):
    h = HouseholdFactory(area=county.village_a)
    with pytest.raises(ValidationFailed) as exc:
        services.create_person(by=users["county"], area=county.village_b, data=data(), household=h)
    assert "household" in fields_of(exc)


def test_a_sampler_may_not_register_people(users, county):
    with pytest.raises(PermissionDenied):
        services.create_person(by=users["sampler_a"], area=county.village_a, data=data())


def test_editing_keeps_the_number_unique_and_logs_the_change(users, county):
    a, _ = services.create_person(by=users["township_a"], area=county.village_a, data=data())
    b = PersonFactory(area=county.village_a, name="李四")
    with pytest.raises(Conflict) as exc:
        services.update_person(
            b, by=users["township_a"], area=county.village_a, data=data(name="李四")
        )
    assert "id_number" in fields_of(exc)
    kc = KeyCategory.objects.get(code="kc03")
    services.update_person(
        a,
        by=users["township_a"],
        area=county.village_a,
        data=data(phone="13900139000"),
        categories=[kc],
    )
    a.refresh_from_db()
    assert a.phone == "13900139000" and list(a.categories.all()) == [kc]
    log = AuditLog.objects.filter(action="update", object_id=str(a.pk)).get()
    assert log.after["categories"] == ["kc03"]
    assert log.after["phone"] == "139****9000"
    assert TimelineEvent.objects.filter(subject_id=a.pk, kind="updated").exists()


def test_a_household_moving_area_takes_its_members(users, county):
    h = services.create_household(
        by=users["county"], area=county.village_a, address="桃花路1号", floor=3
    )
    p = PersonFactory(area=county.village_a, household=h)
    services.update_household(h, by=users["county"], area=county.village_b, address="龙潭路2号")
    p.refresh_from_db()
    assert p.area == county.village_b


def test_household_bad_input(users, county):
    with pytest.raises(ValidationFailed) as exc:
        services.create_household(
            by=users["township_a"], area=county.village_a, address="", floor=999
        )
    assert fields_of(exc) == {"address", "floor"}
    with pytest.raises(NotFound):
        services.create_household(by=users["township_a"], area=county.village_b, address="x")


def test_the_person_page_shows_household_members_categories_chain_and_timeline(
    users, county, login
):
    from fangkong.areas.services.responsibilities import assign_responsibility

    h = services.create_household(by=users["county"], area=county.village_a, address="桃花路1号")
    me, _ = services.create_person(
        by=users["county"],
        area=county.village_a,
        data=data(phone="13800138000"),
        household=h,
        categories=[KeyCategory.objects.get(code="kc01")],
    )
    PersonFactory(area=county.village_a, household=h, name="张小妹")
    assign_responsibility(
        by=users["county"],
        area=county.village_a,
        role="village_cadre",
        person_name="刘书记",
        phone="13312345678",
    )
    page = login(users["village_a"]).get(f"/people/persons/{me.pk}/").content.decode()
    assert "桃花路1号" in page and "张小妹" in page
    assert "密切接触者" in page
    assert "刘书记" in page and "133****5678" in page and "13312345678" not in page
    assert "Registered" in page
    # the full phones of the chain: pii.reveal, logged
    full = login(users["village_a"]).post(f"/people/persons/{me.pk}/chain/")
    assert "13312345678" in full.content.decode()
    assert AuditLog.objects.filter(action="reveal", object_id=str(me.pk)).exists()
    assert login(users["sampler_a"]).post(f"/people/persons/{me.pk}/chain/").status_code == 403


def test_register_and_edit_through_the_pages(users, county, login):
    client = login(users["township_a"])
    resp = client.post(
        "/people/persons/new/",
        {
            "area": county.village_a.pk,
            "name": "张三",
            "doc_type": "resident_id",
            "id_number": ZHANG,
            "phone": "13800138000",
        },
    )
    assert resp.status_code == 302
    person = Person.objects.get()
    bad = client.post(
        f"/people/persons/{person.pk}/edit/",
        {
            "area": county.village_a.pk,
            "name": "张三",
            "doc_type": "resident_id",
            "id_number": ZHANG,
            "sex": "F",
            "version": 1,
        },
    )
    assert bad.status_code == 422
    assert "The ID number gives the sex" in bad.content.decode()
    other = HouseholdFactory(area=county.village_b)
    bad = client.post(
        f"/people/persons/{person.pk}/edit/",
        {
            "area": county.village_a.pk,
            "name": "张三",
            "doc_type": "resident_id",
            "household": other.pk,
            "version": 1,
        },
    )
    assert bad.status_code == 422 and "No such household" in bad.content.decode()
    assert client.get(f"/people/persons/{person.pk}/edit/").status_code == 200
    assert AuditLog.objects.filter(action="reveal", detail="edit form").exists()


def test_household_pages(users, county, login):
    client = login(users["township_a"])
    resp = client.post(
        "/people/households/new/", {"area": county.village_a.pk, "address": "桃花路9号", "floor": 2}
    )
    assert resp.status_code == 302
    h = __import__("fangkong.people.models", fromlist=["Household"]).Household.objects.get()
    PersonFactory(area=county.village_a, household=h, name="赵六")
    page = client.get(f"/people/households/{h.pk}/").content.decode()
    assert "桃花路9号" in page and "赵六" in page
    assert "桃花路9号" in client.get("/people/households/?q=桃花").content.decode()
    new = client.get(f"/people/persons/new/?household={h.pk}").content.decode()
    assert f'value="{h.pk}"' in new


# --- concurrent edits: a version check, nothing overwritten silently -------------------------


def edit_form(person, county, **changes):
    return {"area": county.village_a.pk, "name": person.name, "doc_type": "resident_id",
            "id_number": ZHANG, "version": person.version, **changes}  # fmt: skip


def test_two_editors_of_one_person_the_second_is_told_and_nothing_is_overwritten(
    users, county, login
):
    person, _ = services.create_person(by=users["township_a"], area=county.village_a, data=data())
    first, second = login(users["township_a"]), login(users["village_a"])
    for client in (first, second):  # both open the edit form on version 1
        page = client.get(f"/people/persons/{person.pk}/edit/").content.decode()
        assert 'name="version" value="1"' in page
    saved = first.post(f"/people/persons/{person.pk}/edit/", edit_form(person, county, phone="13900139000"))  # fmt: skip
    assert saved.status_code == 302
    stale = second.post(f"/people/persons/{person.pk}/edit/", edit_form(person, county, name="张叁"))  # fmt: skip
    assert stale.status_code == 422
    page = stale.content.decode()
    assert "changed by someone else while you were editing" in page and "version 2" in page
    assert 'role="alert"' in page and 'value="张叁"' in page  # their input kept on the form
    now = Person.objects.get(pk=person.pk)
    assert (now.name, now.phone, now.version) == ("张三", "13900139000", 2)
    assert AuditLog.objects.filter(action="update", object_id=str(person.pk)).count() == 1


def test_an_edit_form_without_its_version_is_out_of_date_and_saves_nothing(users, county, login):
    person, _ = services.create_person(by=users["township_a"], area=county.village_a, data=data())
    form = edit_form(person, county, name="张叁")
    del form["version"]
    resp = login(users["township_a"]).post(f"/people/persons/{person.pk}/edit/", form)
    assert resp.status_code == 422 and "This form is out of date" in resp.content.decode()
    assert Person.objects.get(pk=person.pk).name == "张三"


def test_each_change_adds_one_to_the_version_and_a_stale_one_is_refused(users, county):
    person, _ = services.create_person(by=users["township_a"], area=county.village_a, data=data())
    assert person.version == 1
    by, area = users["township_a"], county.village_a
    services.update_person(person, by=by, area=area, data=data(notes="一"), version=1)
    assert Person.objects.get(pk=person.pk).version == 2
    with pytest.raises(services.StaleVersion) as exc:
        services.update_person(person, by=by, area=area, data=data(notes="二"), version=1)
    assert exc.value.status == 409 and exc.value.current == 2 and "version" in fields_of(exc)
    assert Person.objects.get(pk=person.pk).notes == "一"
