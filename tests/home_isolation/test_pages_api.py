"""Pages and API of home isolation: who may open what, the household page on one screen,
the sensor gateway's own token, the portal's JSON report."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.core.roles import Role
from fangkong.home_isolation import services
from fangkong.home_isolation.models import HealthReport, HomeAlert, ServiceRequest
from fangkong.home_isolation.services.alerts import register_gateway

pytestmark = pytest.mark.django_db


@pytest.fixture
def more_users(users, make_user, county):
    return {**users, "sampler_b": make_user(Role.SAMPLER, county.town_b, username="smp_b")}


def test_the_household_page_shows_every_member_day_n_of_m_seal_and_chain(
    users, login, home_a, at_home, family
):
    services.fit_seal(home_a, kind="seal", number="FT-1", consent=True, by=users["village_a"])
    page = login(users["village_a"]).get(reverse("home_isolation:household", args=[home_a.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    for p in family:
        assert p.name in text
    assert "Day 1 of 7" in text and "FT-1" in text
    assert family[0].phone not in text  # masked


def test_pages_by_role_and_area(access, home_a, at_home, users):
    for name, args in [("households", []), ("missed", []), ("requests", []), ("board", []),
                       ("alerts", []), ("reviews", [])]:  # fmt: skip
        access.check(reverse(f"home_isolation:{name}", args=args),
                     allowed=["village_a", "township_a", "county"], denied_role=["sampler_a"])  # fmt: skip
    access.check(reverse("home_isolation:household", args=[home_a.pk]),
                 allowed=["village_a", "county"], denied_role=["sampler_a"],
                 other_area=["township_b"])  # fmt: skip


def test_assessment_page_outside_the_users_areas_is_404(access, family, person_b):
    access.check(reverse("home_isolation:assess", args=[family[0].pk]),
                 allowed=["village_a"], denied_role=["sampler_a"], other_area=["township_b"])  # fmt: skip
    access.check(reverse("home_isolation:assess", args=[person_b.pk]), other_area=["village_a"])


def test_the_assessment_form_records_and_shows_the_outcome(login, users, family, at_home):
    c = login(users["village_a"])
    resp = c.post(reverse("home_isolation:assess", args=[family[0].pk]),
                  {"origin": "cadre", "own_room": "on", "children_with_parent": "on"})  # fmt: skip
    assert resp.status_code == 302
    detail = c.get(resp["Location"])
    assert detail.status_code == 200 and "Own bathroom" in detail.content.decode()


def test_the_api_lists_and_moves_a_request(login, users, family, at_home):
    c = login(users["village_a"])
    made = c.post("/api/v1/home-isolation/requests",
                  {"person_id": family[0].pk, "kind": "medicine"}, content_type="application/json")  # fmt: skip
    assert made.status_code == 201, made.content
    rid = made.json()["id"]
    assert c.get("/api/v1/home-isolation/requests").json()["count"] == 1
    bad = c.post(f"/api/v1/home-isolation/requests/{rid}/deliver", {"confirmation": "x"},
                 content_type="application/json")  # fmt: skip
    assert bad.status_code == 409
    ok = c.post(
        f"/api/v1/home-isolation/requests/{rid}/accept", {}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["state"] == "accepted"
    other = login(users["township_b"]).get(f"/api/v1/home-isolation/requests/{rid}")
    assert other.status_code == 404


def test_the_api_household_and_placement(login, users, family, at_home, home_a, make_user, county):
    c = login(users["village_a"])
    made = c.post("/api/v1/home-isolation/assessments", {"person_id": family[0].pk, "origin": "cadre"},
                  content_type="application/json")  # fmt: skip
    assert made.status_code == 201 and made.json()["outcome"] == "ineligible"
    site = make_user(Role.SITE_MANAGER, county.town_a, username="site_a")
    queue = login(site).get("/api/v1/home-isolation/placement").json()
    assert [a["id"] for a in queue["items"]] == [made.json()["id"]]
    assert login(users["sampler_a"]).get("/api/v1/home-isolation/placement").status_code == 403
    hh = c.get(f"/api/v1/home-isolation/households/{home_a.pk}").json()
    assert [m["day"] for m in hh["members"]] == [1, 1, 1]
    assert hh["members"][0]["test_days"][0] == timezone.localdate().isoformat()


def test_the_sensor_gateway_posts_with_its_own_token_only(
    users, family, at_home, home_a, make_user, county, token_for
):
    services.fit_seal(home_a, kind="sensor", number="MC-5", consent=True, by=users["village_a"])
    _gw, token = register_gateway(
        "门磁", county.county, by=make_user(Role.SYSTEM_ADMIN, county.county)
    )
    url = "/api/v1/home-isolation/sensor-events"
    body = {"sensor": "MC-5", "event": "open"}
    assert Client().post(url, body, content_type="application/json").status_code == 401
    user_token = token_for(users["county"])
    refused = Client().post(url, body, content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {user_token}")  # fmt: skip
    assert refused.status_code == 401  # a user's token is not a sensor credential
    wrong = Client().post(url, body, content_type="application/json", HTTP_X_SENSOR_TOKEN="nope")
    assert wrong.status_code == 401
    ok = Client().post(url, body, content_type="application/json", HTTP_X_SENSOR_TOKEN=token)
    assert ok.status_code == 201 and ok.json()["kind"] == "door"
    assert HomeAlert.objects.count() == 1


def test_the_portal_json_report(link):
    url = "/api/v1/home-isolation/portal/reports"
    bad = Client().post(
        url, {"token": link.token, "temperature": "50"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["error"]["fields"].get("temperature")
    other = Client().post(
        url, {"token": "nope", "temperature": "36.5"}, content_type="application/json"
    )
    assert other.status_code == 404
    ok = Client().post(
        url, {"token": link.token, "temperature": "36.5"}, content_type="application/json"
    )
    assert ok.status_code == 201 and HealthReport.objects.count() == 1
    again = Client().post(
        url, {"token": link.token, "temperature": "36.5"}, content_type="application/json"
    )
    assert again.status_code == 409 and HealthReport.objects.count() == 1


def test_request_pages_move_through_states(login, users, family, at_home):
    req = services.create_request(family[0], kind="garbage", by=users["village_a"])
    c = login(users["village_a"])
    move = reverse("home_isolation:request_move", args=[req.pk])
    c.post(move, {"to": "delivered", "confirmation": "x"})
    req.refresh_from_db()
    assert req.state == "new"
    c.post(move, {"to": "accepted"})
    c.post(move, {"to": "delivered", "confirmation": "垃圾已清运"})
    req.refresh_from_db()
    assert req.state == "delivered"
    page = c.get(reverse("home_isolation:request_detail", args=[req.pk]))
    assert page.status_code == 200 and "垃圾已清运" in page.content.decode()
    assert ServiceRequest.objects.count() == 1


def test_the_portal_json_report_refuses_a_revoked_or_expired_link_and_fever_alerts(
    link, users, family
):
    import datetime as dt

    from fangkong.home_isolation.models import PortalLink

    url = "/api/v1/home-isolation/portal/reports"
    fever = Client().post(url, {"token": link.token, "temperature": "39.1"},
                          content_type="application/json")  # fmt: skip
    assert fever.status_code == 201 and fever.json()["flagged"] is True
    assert HomeAlert.objects.filter(person=family[0]).count() == 1
    PortalLink.objects.filter(pk=link.link.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = Client().post(url, {"token": link.token, "temperature": "36.5"},
                            content_type="application/json")  # fmt: skip
    assert expired.status_code == 403
    services.revoke_link(link.link, by=users["village_a"])
    revoked = Client().post(url, {"token": link.token, "temperature": "36.5"},
                            content_type="application/json")  # fmt: skip
    assert revoked.status_code == 403 and HealthReport.objects.count() == 1


def test_the_json_report_for_a_dependant_and_not_for_a_stranger(link, family, stranger_b):
    url = "/api/v1/home-isolation/portal/reports"
    kid = Client().post(url, {"token": link.token, "temperature": "36.4", "for_person": family[1].pk},
                        content_type="application/json")  # fmt: skip
    assert kid.status_code == 201
    other = Client().post(url, {"token": link.token, "temperature": "36.4",
                                "for_person": stranger_b.pk}, content_type="application/json")  # fmt: skip
    assert other.status_code == 404
    assert list(HealthReport.objects.values_list("person_id", flat=True)) == [family[1].pk]


def test_the_api_missed_list_after_the_morning_window(login, users, family, at_home, settings):
    settings.FANGKONG_HOME_REPORT_WINDOWS = {"morning": ("00:00", "00:01"),
                                             "evening": ("23:58", "23:59")}  # fmt: skip
    resp = login(users["village_a"]).get("/api/v1/home-isolation/missed?window=morning")
    assert resp.status_code == 200
    assert sorted(r["person_id"] for r in resp.json()) == sorted(p.pk for p in family)
    other = login(users["township_b"]).get("/api/v1/home-isolation/missed?window=morning")
    assert other.status_code == 200 and other.json() == []
