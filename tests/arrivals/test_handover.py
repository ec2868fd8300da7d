"""The receiving village acknowledges an arrival (精准对接): visited, at the address, the
measure started as a control episode; another village cannot; the township sees the
unacknowledged and the overdue."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.arrivals import selectors, services
from fangkong.arrivals.choices import ArrivalStatus
from fangkong.arrivals.models import Arrival
from fangkong.control.models import ControlEpisode
from fangkong.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.workqueue import items_for
from fangkong.people.models import Person
from tests.arrivals.conftest import OTHER_ID
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_acknowledging_starts_seven_days_home_isolation_after_a_high_risk_area(make_arrival, staff):
    arrival = make_arrival()
    done = services.acknowledge(
        arrival, visited=True, at_address=True, start_measure=True, by=staff["village_a"]
    )
    assert done.status == ArrivalStatus.ACKNOWLEDGED
    assert done.acknowledged_by == staff["village_a"] and done.acknowledged_at
    episode = done.episode
    assert episode.reason == "left_high_risk_area"
    phases = list(episode.phases.all())
    assert [(p.kind, p.planned_end_date - p.start_date) for p in phases] == [
        ("home_isolation", dt.timedelta(days=6))
    ]
    person = done.person
    assert person.name == "王五" and person.area == arrival.area
    assert person.categories.filter(code="kc04").exists()  # the key list of its risk


def test_a_low_risk_arrival_gets_two_tests_in_three_days(make_arrival, staff):
    arrival = make_arrival(
        origin_province="广东省", origin_city="广州市", origin_county="海珠区", origin_street=""
    )
    done = services.acknowledge(
        arrival, visited=True, at_address=True, start_measure=True, by=staff["village_a"]
    )
    assert done.episode.reason == "low_risk_area_arrival"
    assert done.episode.rule_snapshot["phases"][0]["test_days"] == [1, 3]
    assert done.person.categories.filter(code="kc05").exists()


def test_an_arrival_of_a_registered_person_links_that_person(make_arrival, staff, county):
    known = PersonFactory(area=county.village_a, id_number=OTHER_ID)
    arrival = make_arrival(id_number=OTHER_ID)
    assert arrival.person == known
    services.acknowledge(
        arrival, visited=True, at_address=True, start_measure=True, by=staff["village_a"]
    )
    assert Person.objects.filter(id_number_index=known.id_number_index).count() == 1
    assert ControlEpisode.objects.get(person=known).reason == "left_high_risk_area"


def test_a_person_already_under_control_keeps_the_episode(make_arrival, staff, county):
    from fangkong.control.services import start_episode

    known = PersonFactory(area=county.village_a, id_number=OTHER_ID)
    running = start_episode(known, "close_contact", by=staff["county"])
    done = services.acknowledge(make_arrival(id_number=OTHER_ID), visited=True, at_address=True,
                                start_measure=True, by=staff["village_a"])  # fmt: skip
    assert done.episode == running
    assert ControlEpisode.objects.filter(person=known).count() == 1


def test_another_village_cannot_acknowledge(make_arrival, staff):
    arrival = make_arrival()
    with pytest.raises(NotFound):
        services.acknowledge(
            arrival, visited=True, at_address=True, start_measure=True, by=staff["village_b"]
        )
    with pytest.raises(PermissionDenied):
        services.acknowledge(
            arrival, visited=True, at_address=True, start_measure=True, by=staff["checkpoint_a"]
        )
    arrival.refresh_from_db()
    assert arrival.status == ArrivalStatus.PENDING
    services.acknowledge(
        arrival, visited=True, at_address=True, start_measure=False, by=staff["village_a"]
    )
    assert Arrival.objects.get(pk=arrival.pk).status == ArrivalStatus.ACKNOWLEDGED


def test_acknowledging_twice_is_refused_by_the_machine(make_arrival, staff):
    arrival = make_arrival()
    services.acknowledge(
        arrival, visited=True, at_address=True, start_measure=True, by=staff["village_a"]
    )
    with pytest.raises(IllegalTransition):
        services.acknowledge(
            arrival, visited=True, at_address=True, start_measure=True, by=staff["village_a"]
        )
    assert ControlEpisode.objects.count() == 1


def test_acknowledging_needs_the_visit_and_a_note_when_not_at_the_address(make_arrival, staff):
    arrival = make_arrival()
    with pytest.raises(ValidationFailed) as exc:
        services.acknowledge(
            arrival, visited=False, at_address=True, start_measure=True, by=staff["village_a"]
        )
    assert "visited" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.acknowledge(
            arrival, visited=True, at_address=False, start_measure=True, by=staff["village_a"]
        )
    assert "notes" in exc.value.fields
    assert ControlEpisode.objects.count() == 0
    done = services.acknowledge(arrival, visited=True, at_address=False, notes="在县医院陪护",
                                start_measure=True, by=staff["village_a"])  # fmt: skip
    assert done.notes == "在县医院陪护" and done.episode is not None


def test_no_measure_for_an_arrival_from_outside_the_risk_areas(make_arrival, staff):
    arrival = make_arrival(
        origin_province="北京市", origin_city="", origin_county="", origin_street=""
    )
    with pytest.raises(ValidationFailed) as exc:
        services.acknowledge(
            arrival, visited=True, at_address=True, start_measure=True, by=staff["village_a"]
        )
    assert "start_measure" in exc.value.fields
    done = services.acknowledge(
        arrival, visited=True, at_address=True, start_measure=False, by=staff["village_a"]
    )
    assert done.episode is None and done.status == ArrivalStatus.ACKNOWLEDGED


def test_the_township_sees_unacknowledged_and_overdue(make_arrival, staff, county):
    fresh = make_arrival()
    late = make_arrival(id_number=OTHER_ID)
    Arrival.objects.filter(pk=late.pk).update(ack_due_at=timezone.now() - dt.timedelta(hours=2))
    now = timezone.now()
    work = selectors.to_acknowledge_work(staff["township_a"], now)
    assert work.count == 2 and work.due < now
    assert selectors.overdue_work(staff["township_a"], now).count == 1
    assert selectors.to_acknowledge_work(staff["township_b"], now).count == 0
    assert selectors.overdue_by_township(staff["county"], now) == {county.town_a.path: 1}
    keys = {i.key for i in items_for(staff["village_a"])}
    assert "arrivals.to_acknowledge" in keys and "arrivals.overdue" not in keys
    keys_t = {i.key: i for i in items_for(staff["township_a"])}
    assert keys_t["arrivals.overdue"].overdue
    assert fresh.status == ArrivalStatus.PENDING


def test_cancel_needs_a_reason(make_arrival, staff):
    arrival = make_arrival()
    with pytest.raises(ValidationFailed):
        services.cancel_arrival(arrival, reason=" ", by=staff["village_a"])
    services.cancel_arrival(arrival, reason="行程取消", by=staff["village_a"])
    assert Arrival.objects.get(pk=arrival.pk).status == ArrivalStatus.CANCELLED


# --- pages -----------------------------------------------------------------------------------
def test_the_ledger_page_and_its_export(make_arrival, staff, login, access):
    arrival = make_arrival()
    url = reverse("arrivals:arrival_list")
    access.check(
        url,
        allowed=["county", "township_a", "village_a", "auditor"],
        denied_role=["sampler_a", "lab"],
    )
    page = login(staff["township_b"]).get(url)
    assert page.status_code == 200 and arrival.reference not in page.content.decode()
    own = login(staff["township_a"]).get(url)
    assert arrival.reference in own.content.decode()
    export = login(staff["township_a"]).get(url, {"export": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith(
        "application/vnd.openxml"
    )


def test_the_detail_page_acknowledges(make_arrival, staff, login):
    arrival = make_arrival()
    c = login(staff["village_a"])
    page = c.get(arrival.get_absolute_url())
    assert page.status_code == 200 and 'data-testid="ack-form"' in page.content.decode()
    r = c.post(reverse("arrivals:arrival_acknowledge", args=[arrival.pk]),
               {"visited": "on", "at_address": "on", "start_measure": "on"})  # fmt: skip
    assert r.status_code == 302
    assert Arrival.objects.get(pk=arrival.pk).status == ArrivalStatus.ACKNOWLEDGED
    other = login(staff["village_b"]).post(
        reverse("arrivals:arrival_acknowledge", args=[arrival.pk]), {"visited": "on"}
    )
    assert other.status_code == 404


def test_the_qr_poster(staff, login):
    page = login(staff["village_a"]).get(reverse("arrivals:qr_poster"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "/baobei/" in body


# --- API -------------------------------------------------------------------------------------
def test_api_public_preregistration_and_acknowledgement(county, origins, staff, login):
    from django.test import Client

    body = {
        "name": "王五", "id_number": "513101198201130014", "phone": "13800138000",
        "origin_province": "重庆市", "origin_city": "重庆市", "origin_county": "沙坪坝区",
        "origin_street": "井口街道", "travel_mode": "car", "plate": "渝A12345",
        "arrival_date": timezone.localdate().isoformat(), "area_id": county.village_a.pk,
        "address": "桃花路1号",
    }  # fmt: skip
    anon = Client()
    r = anon.post("/api/v1/arrivals/preregistrations", body, content_type="application/json")
    assert r.status_code == 201, r.content
    again = anon.post("/api/v1/arrivals/preregistrations", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["reference"] == r.json()["reference"]
    bad = anon.post(
        "/api/v1/arrivals/preregistrations",
        {**body, "id_number": "123"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "id_number" in bad.json()["error"]["fields"]
    arrival = Arrival.objects.get()
    other = login(staff["village_b"]).post(f"/api/v1/arrivals/arrivals/{arrival.pk}/acknowledge",
                                           {"visited": True, "at_address": True}, content_type="application/json")  # fmt: skip
    assert other.status_code == 404
    ok = login(staff["village_a"]).post(f"/api/v1/arrivals/arrivals/{arrival.pk}/acknowledge",
                                        {"visited": True, "at_address": True}, content_type="application/json")  # fmt: skip
    assert (
        ok.status_code == 200 and ok.json()["status"] == "acknowledged" and ok.json()["episode_id"]
    )
    listed = login(staff["township_a"]).get("/api/v1/arrivals/arrivals", {"status": "acknowledged"})
    assert listed.json()["count"] == 1
    assert login(staff["township_b"]).get("/api/v1/arrivals/arrivals").json()["count"] == 0
