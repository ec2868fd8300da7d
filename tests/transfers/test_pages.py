"""Pages and API of transfers: who may open what, the board and the trip page render, the
dispatcher's home shows its queue, the command centre's figures count."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fangkong.core.figures import sections_for
from fangkong.transfers import services
from fangkong.transfers.choices import TransferKind
from tests.transfers.conftest import api_post, body


@pytest.fixture
def proposed(requested, site, van, dispatcher, placed):
    plan = services.run_plan(placed.county, by=dispatcher, background=False)
    plan.refresh_from_db()
    return plan


def test_the_board_shows_each_vehicle_its_stops_times_and_seats(proposed, login, dispatcher, van):
    page = login(dispatcher).get(f"/transfers/plans/{proposed.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="board"' in html
    assert van.plate in html and "2/7" in html  # two persons of seven seats
    assert 'data-testid="accept"' in html


def test_the_board_is_for_those_who_may_see_transfers(proposed, access):
    access.check(
        f"/transfers/plans/{proposed.pk}/", allowed=["dispatcher", "county", "driver"],
        denied_role=["sampler_a", "lab"], other_area=["dispatcher_b"],
    )  # fmt: skip


def test_accepting_from_the_board_and_the_trip_page(proposed, login, dispatcher, driver, family):
    resp = login(dispatcher).post(f"/transfers/plans/{proposed.pk}/accept/")
    assert resp.status_code == 302
    trip = proposed.trips.get()
    c = login(driver)
    c.post(f"/transfers/trips/{trip.pk}/do/dispatch/")
    page = c.get(f"/transfers/trips/{trip.pk}/").content.decode()
    assert family[0].name in page and 'data-testid="arrive"' in page
    member = trip.requests.get().members.first()
    c.post(f"/transfers/trips/{trip.pk}/do/pick-up/", {"code": str(member.pk)})
    member.refresh_from_db()
    assert member.picked_up_at is not None
    # a code not on this trip: refused with the message, nothing ticked
    resp = c.post(f"/transfers/trips/{trip.pk}/do/pick-up/", {"code": "999999"}, follow=True)
    assert "not on this trip" in resp.content.decode()


def test_the_dispatchers_home_shows_the_requests_to_plan(requested, login, dispatcher):
    page = login(dispatcher).get("/").content.decode()
    assert "Transfer requests to plan" in page
    assert 'data-testid="work-awaiting"' not in page


def test_figures_count_open_and_overdue_by_kind(requested, contact, dispatcher, users):
    services.request_transfer(
        [contact], TransferKind.POSITIVE, by=dispatcher,
        deadline=timezone.now() - timezone.timedelta(hours=1),
    )  # fmt: skip
    (section,) = [
        s
        for s in sections_for(users["county"], timezone.localdate())
        if s.section.key == "transfers"
    ]
    figs = {f.key: f.value for f in section.figures}
    assert (
        figs["transfers.open.close_contact"] == 1 and figs["transfers.overdue.close_contact"] == 0
    )
    assert figs["transfers.open.positive"] == 1 and figs["transfers.overdue.positive"] == 1
    assert figs["transfers.arrival_p50"] is None  # nobody arrived yet
    (section_b,) = [
        s
        for s in sections_for(users["township_b"], timezone.localdate())
        if s.section.key == "transfers"
    ]
    assert {f.key: f.value for f in section_b.figures}["transfers.open.close_contact"] == 0


def test_the_api_asks_plans_accepts_and_refuses(
    family, site, van, login, dispatcher, placed, users
):
    c = login(dispatcher)
    resp = api_post(
        c,
        "/api/v1/transfers/requests",
        {"person_ids": [p.pk for p in family], "kind": "close_contact"},
    )
    assert resp.status_code == 200, resp.content
    req_id = body(resp)["id"]
    resp = api_post(
        c, "/api/v1/transfers/plans", {"area_id": placed.county.pk, "background": False}
    )
    plan = body(resp)
    assert plan["status"] == "proposed"
    trips = body(c.get(f"/api/v1/transfers/plans/{plan['id']}/trips"))
    assert trips[0]["stops"][0]["request_id"] == req_id and trips[0]["seats_used"] == 2
    assert (
        body(api_post(c, f"/api/v1/transfers/plans/{plan['id']}/accept", {}))["status"]
        == "accepted"
    )
    # again: the machine refuses, 409
    again = api_post(c, f"/api/v1/transfers/plans/{plan['id']}/accept", {})
    assert again.status_code == 409
    # a driver may not plan; another township's dispatcher does not see the plan
    assert (
        api_post(
            login(users["driver"]), "/api/v1/transfers/plans", {"area_id": placed.county.pk}
        ).status_code
        == 403
    )
    assert (
        login(users["dispatcher_b"]).get(f"/api/v1/transfers/plans/{plan['id']}").status_code == 404
    )
    figures = body(c.get("/api/v1/transfers/figures"))
    assert figures["by_kind"]["close_contact"]["open"] == 1


def test_the_api_refuses_a_person_of_another_area(contact, family, login, users):
    resp = api_post(login(users["dispatcher_b"]), "/api/v1/transfers/requests",
                    {"person_ids": [contact.pk], "kind": "close_contact"})  # fmt: skip
    assert resp.status_code == 200  # B's own person
    other = family[0]  # of township A
    resp = api_post(login(users["dispatcher_b"]), "/api/v1/transfers/requests",
                    {"person_ids": [other.pk], "kind": "close_contact"})  # fmt: skip
    assert resp.status_code == 404
