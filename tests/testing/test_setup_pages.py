"""Setting up testing on pages: a county or township officer creates and edits screening
rounds, testing points and labs through forms (the same services as the API); other roles
and other areas are refused, bad input is named field by field and nothing is written."""

from __future__ import annotations

import pytest

from fangkong.core.models import AuditLog
from fangkong.testing.models import Lab, ScreeningRound, TestingPoint

pytestmark = pytest.mark.django_db


def test_the_setup_pages_are_for_managers(access, point, rnd, lab):
    for url in (
        "/testing/points/new/",
        "/testing/rounds/new/",
        "/testing/labs/",
        "/testing/labs/new/",
    ):
        access.check(
            url, allowed=["county", "township_a"], denied_role=["sampler_a", "lab", "auditor"]
        )
    access.check(
        f"/testing/points/{point.pk}/edit/",
        allowed=["county", "township_a"], denied_role=["sampler_a"], other_area=["township_b"],
    )  # fmt: skip
    access.check(
        f"/testing/rounds/{rnd.pk}/edit/",
        allowed=["county", "township_a"], denied_role=["lab"], other_area=["township_b"],
    )  # fmt: skip
    # the county's lab is not a township's to edit
    access.check(f"/testing/labs/{lab.pk}/edit/", allowed=["county"], other_area=["township_a"])


def test_a_township_officer_opens_a_testing_point(users, county, login):
    c = login(users["township_a"])
    page = c.get("/testing/").content.decode()
    assert 'data-testid="new-point"' in page and 'data-testid="new-round"' in page
    r = c.post("/testing/points/new/", {
        "name": "桃花广场采样点", "kind": "temporary", "area": county.village_a.pk,
        "hours": "每天 7:00–12:00", "samplers": [users["sampler_a"].pk], "active": "on",
    })  # fmt: skip
    point = TestingPoint.objects.get(name="桃花广场采样点")
    assert r.status_code == 302 and r["Location"] == point.get_absolute_url()
    assert list(point.samplers.all()) == [users["sampler_a"]]
    assert AuditLog.objects.filter(
        object_type="testing.testingpoint", object_id=str(point.pk)
    ).exists()


def test_a_point_in_another_township_is_refused_and_nothing_is_written(users, county, login):
    r = login(users["township_a"]).post("/testing/points/new/", {
        "name": "龙潭采样点", "kind": "fixed", "area": county.town_b.pk, "active": "on",
    })  # fmt: skip
    assert r.status_code == 422
    assert "not within your areas" in r.content.decode()
    assert not TestingPoint.objects.filter(name="龙潭采样点").exists()
    ok = login(users["county"]).post("/testing/points/new/", {
        "name": "龙潭采样点", "kind": "fixed", "area": county.town_b.pk, "active": "on",
    })  # fmt: skip
    assert ok.status_code == 302  # the county may


def test_edit_a_point_close_it_and_samplers_no_longer_see_it(users, point, login):
    c = login(users["township_a"])
    form = c.get(f"/testing/points/{point.pk}/edit/").content.decode()
    assert 'value="桃花社区核酸点"' in form  # the form shows what the point holds
    r = c.post(
        f"/testing/points/{point.pk}/edit/",
        {
            "name": "桃花社区核酸点（东门）",
            "kind": "fixed",
            "area": point.area_id,
            "hours": "07:00-20:00",
            "samplers": [users["sampler_a"].pk],
        },
    )  # fmt: skip  (active unticked: closed)
    assert r.status_code == 302
    point.refresh_from_db()
    assert point.name == "桃花社区核酸点（东门）" and point.active is False
    pick = login(users["sampler_a"]).get("/testing/sample/").content.decode()
    assert "东门" not in pick


def test_a_sampler_of_the_wrong_role_cannot_be_put_on_a_point(users, point, login):
    r = login(users["county"]).post(f"/testing/points/{point.pk}/edit/", {
        "name": point.name, "kind": "fixed", "area": point.area_id, "active": "on",
        "samplers": [users["lab"].pk],
    })  # fmt: skip
    assert r.status_code == 422  # not offered: the list holds samplers only
    assert list(point.samplers.all()) == [users["sampler_a"]]


def test_create_and_edit_a_round_with_dates_the_browser_shows(users, county, login):
    c = login(users["township_a"])
    form = c.get("/testing/rounds/new/").content.decode()
    assert 'type="datetime-local"' in form
    r = c.post("/testing/rounds/new/", {
        "name": "11月24日全员核酸", "areas": [county.village_a.pk],
        "starts_at": "2022-11-24T07:00", "ends_at": "2022-11-24T19:00", "pooling_ratio": 10,
    })  # fmt: skip
    rnd = ScreeningRound.objects.get(name="11月24日全员核酸")
    assert r.status_code == 302
    edit = c.get(f"/testing/rounds/{rnd.pk}/edit/").content.decode()
    assert 'value="2022-11-24T07:00"' in edit  # ISO, so the date field is not blank
    r = c.post(f"/testing/rounds/{rnd.pk}/edit/", {
        "name": "11月24日全员核酸", "areas": [county.village_a.pk],
        "starts_at": "2022-11-24T07:00", "ends_at": "2022-11-24T06:00", "pooling_ratio": 10,
    })  # fmt: skip
    assert r.status_code == 422 and "must end after it starts" in r.content.decode()
    r = c.post(f"/testing/rounds/{rnd.pk}/edit/", {
        "name": "11月24日全员核酸", "areas": [county.village_a.pk],
        "starts_at": "2022-11-24T07:00", "ends_at": "2022-11-24T21:00", "pooling_ratio": 5,
    })  # fmt: skip
    assert r.status_code == 302
    rnd.refresh_from_db()
    assert rnd.pooling_ratio == 5 and rnd.ends_at.hour == 13  # 21:00 Shanghai is 13:00 UTC


def test_the_pooling_ratio_is_fixed_once_tubes_are_taken(users, rnd, swab, residents, login):
    swab(residents[0], "P0000001")
    r = login(users["county"]).post(f"/testing/rounds/{rnd.pk}/edit/", {
        "name": rnd.name, "areas": [a.pk for a in rnd.areas.all()],
        "starts_at": "2022-11-24T07:00", "ends_at": "2030-11-24T21:00", "pooling_ratio": 5,
    })  # fmt: skip
    assert r.status_code == 422 and "can no longer change" in r.content.decode()
    rnd.refresh_from_db()
    assert rnd.pooling_ratio == 10


def test_labs_listed_created_and_renamed_but_their_code_stays(users, county, lab, login):
    c = login(users["county"])
    assert "县疾控实验室" in c.get("/testing/labs/").content.decode()
    r = c.post(
        "/testing/labs/new/",
        {
            "name": "县人民医院实验室",
            "code": "HOSP1",
            "area": county.county.pk,
            "technicians": [users["lab"].pk],
        },
    )
    assert r.status_code == 302, r.content.decode()
    dup = c.post(
        "/testing/labs/new/", {"name": "另一个", "code": "HOSP1", "area": county.county.pk}
    )
    assert dup.status_code == 422 and "A lab with this code exists" in dup.content.decode()
    assert Lab.objects.filter(code="HOSP1").count() == 1
    r = c.post(
        f"/testing/labs/{lab.pk}/edit/",
        {"name": "县疾控中心实验室", "code": "CHANGED", "area": county.county.pk},
    )
    assert r.status_code == 302
    lab.refresh_from_db()
    assert lab.name == "县疾控中心实验室" and lab.code == "CDC1"
