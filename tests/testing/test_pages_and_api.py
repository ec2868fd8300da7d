"""The sampler's scan page, the box and lab pages, a person's results, the API's roles and
areas."""

import json

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from fangkong.testing import services
from fangkong.testing.models import Tube, TubeMember


def _scan(client, point, rnd, code, **extra):
    return client.post(f"/testing/sample/{point.pk}/{rnd.pk}/", {"code": code, **extra},
                       HTTP_HX_REQUEST="true")  # fmt: skip


def test_the_sampler_scans_a_tube_then_people(point, rnd, residents, users, login):
    c = login(users["sampler_a"])
    page = c.get(f"/testing/sample/{point.pk}/{rnd.pk}/")
    assert page.status_code == 200 and b"autofocus" in page.content
    assert b"Tube P0000001 ready" in _scan(c, point, rnd, "P0000001").content
    r = _scan(c, point, rnd, residents[0].id_number)
    assert b"(1/10)" in r.content and b'data-cue="ok"' in r.content
    r = _scan(c, point, rnd, services.person_qr_payload(residents[1]))
    assert b"(2/10)" in r.content
    assert Tube.objects.get(barcode="P0000001").member_count == 2


def test_the_scan_page_cues_an_error_and_offers_to_confirm_a_repeat(
    point, rnd, residents, users, login
):
    c = login(users["sampler_a"])
    _scan(c, point, rnd, "P0000001")
    _scan(c, point, rnd, residents[0].id_number)
    r = _scan(c, point, rnd, residents[0].id_number)
    assert b'data-cue="error"' in r.content and b"confirm-repeat" in r.content
    r = c.post(f"/testing/sample/{point.pk}/{rnd.pk}/", {"action": "confirm",
               "person_id": residents[0].pk}, HTTP_HX_REQUEST="true")  # fmt: skip
    assert TubeMember.objects.filter(person=residents[0]).count() == 1  # same tube: refused
    assert b'data-cue="error"' in r.content


def test_the_scan_page_refuses_someone_outside_the_round(point, rnd, person_b, users, login):
    c = login(users["sampler_a"])
    r = _scan(c, point, rnd, person_b.id_number)
    assert b'data-cue="error"' in r.content and b"outside the areas" in r.content


def test_the_scan_page_is_for_samplers_of_the_area(point, rnd, access):
    access.check(f"/testing/sample/{point.pk}/{rnd.pk}/", allowed=["sampler_a", "county"],
                 denied_role=["lab", "township_a", "auditor"])  # fmt: skip


def test_the_scan_api_records_a_swab_and_warns_a_repeat(point, rnd, residents, users, login):
    c = login(users["sampler_a"])
    body = {"round_id": rnd.pk, "point_id": point.pk, "person": residents[0].id_number,
            "tube": "P0000001"}  # fmt: skip
    r = c.post("/api/v1/testing/scan", json.dumps(body), content_type="application/json")
    assert r.status_code == 201 and r.json()["swabs"] == 1
    r = c.post("/api/v1/testing/scan", json.dumps(body), content_type="application/json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "repeat"


def test_the_scan_api_roles_and_areas(point, point_b, rnd, residents, access):
    body = json.dumps({"round_id": rnd.pk, "point_id": point_b.pk, "person": residents[0].id_number,
                       "tube": "P0000001"})  # fmt: skip
    access.check("/api/v1/testing/scan", method="post", data=body, api=True,
                 denied_role=["lab", "township_a"], other_area=["sampler_a"])  # fmt: skip


def test_points_api_is_scoped(point, point_b, access, users, login):
    access.check(f"/api/v1/testing/points/{point.pk}", api=True, allowed=["county", "sampler_a", "lab"],
                 denied_role=["admin"], other_area=["township_b"])  # fmt: skip
    assert login(users["township_b"]).get("/api/v1/testing/points").json()["count"] == 1


def test_box_page_adds_hands_over_and_receives(full_pool, point, lab, users, login):
    box = services.create_box(barcode="BOX0001", point=point, by=users["sampler_a"])
    c = login(users["sampler_a"])
    c.post(box.get_absolute_url(), {"action": "add", "tube": full_pool.barcode})
    c.post(box.get_absolute_url(), {"action": "handover", "courier_name": "王师傅", "lab": lab.pk})
    login(users["lab"]).post(box.get_absolute_url(), {"action": "receive", "lab": lab.pk})
    assert Tube.objects.get(pk=full_pool.pk).state == "received"


def test_lab_page_records_and_publishes(full_pool, to_lab, users, login):
    to_lab(full_pool)
    c = login(users["lab"])
    assert c.get("/testing/lab/").status_code == 200
    page = c.get("/testing/lab/").content.decode()
    assert '<option value="">' in page  # the outcome starts unchosen: no silent default
    assert 'data-testid="nothing-to-publish"' in page
    r = c.post("/testing/lab/", {"action": "record", "barcode": full_pool.barcode}, follow=True)
    assert Tube.objects.get(pk=full_pool.pk).state == "received"  # no outcome, no result
    assert "msg-error" in r.content.decode()
    c.post(
        "/testing/lab/", {"action": "record", "barcode": full_pool.barcode, "outcome": "negative"}
    )
    page = c.get("/testing/lab/").content.decode()
    assert (
        'data-testid="confirm-publish"' in page
    )  # one result waits, and says what publishing does
    r = c.post("/testing/lab/", {"action": "publish"}, follow=True)  # not confirmed
    assert Tube.objects.get(pk=full_pool.pk).state == "tested"
    assert "Tick that you have checked the results" in r.content.decode()
    c.post("/testing/lab/", {"action": "publish", "confirm": "yes"})
    assert Tube.objects.get(pk=full_pool.pk).state == "reported"


def test_the_lab_page_is_for_labs(access):
    access.check("/testing/lab/", allowed=["lab"], denied_role=["sampler_a", "county"])


@pytest.mark.parametrize("who,seen", [("county", True), ("lab", False)])
def test_a_persons_results_show_on_their_page(full_pool, residents, users, who, seen):
    req = RequestFactory().get("/")
    req.user = users[who]
    html = Template("{% load testing_results %}{% person_test_results person %}").render(
        Context({"request": req, "person": residents[0]})
    )
    assert ("P0000001" in html) is seen


def test_a_persons_results_in_the_api(full_pool, residents, access, users, login):
    url = f"/api/v1/testing/persons/{residents[0].pk}/results"
    access.check(url, api=True, allowed=["county", "township_a", "village_a"],
                 denied_role=["sampler_a", "lab"], other_area=["township_b"])  # fmt: skip
    [row] = login(users["county"]).get(url).json()
    assert row["tube"] == "P0000001" and row["outcome"] is None


def test_the_index_and_detail_pages_render(point, rnd, full_pool, access):
    access.check(
        "/testing/", allowed=["county", "sampler_a", "lab", "auditor"], denied_role=["admin"]
    )
    access.check(f"/testing/points/{point.pk}/", allowed=["county", "township_a"],
                 other_area=["township_b"])  # fmt: skip
    access.check(f"/testing/tubes/{full_pool.pk}/", allowed=["county", "township_a"],
                 other_area=["township_b"])  # fmt: skip
