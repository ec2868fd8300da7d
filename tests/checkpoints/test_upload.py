"""The checkpoint phone's batch: every vehicle and every person, the outcome from the
decision table kept as policy data, idempotent, bad rows reported and good ones kept, a
person headed for the county handed to the receiving village as an arrival."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from fangkong.arrivals.choices import ArrivalSource, ArrivalStatus
from fangkong.arrivals.models import Arrival
from fangkong.checkpoints import selectors, services
from fangkong.checkpoints.choices import Outcome
from fangkong.checkpoints.decisions import Facts, parse, table_for
from fangkong.checkpoints.models import PersonCheck, VehicleCheck
from fangkong.core.errors import NotFound, PermissionDenied
from tests.checkpoints.conftest import person, vehicle

pytestmark = pytest.mark.django_db


def decide(**over):
    facts = dict(driver=False, code_colour="green", test_48h=True, itinerary_star=False,
                 temperature=Decimal("36.5"), risk="none", to_county=False)  # fmt: skip
    facts.update(over)
    return table_for(timezone.localdate()).decide(Facts(**facts)).outcome


def test_the_decision_table():
    assert decide() == Outcome.PASS
    assert decide(test_48h=False) == Outcome.SAMPLE_AND_GO
    assert decide(code_colour="yellow", to_county=True) == Outcome.HAND_OVER
    assert decide(code_colour="red") == Outcome.TURN_BACK
    assert decide(itinerary_star=True, test_48h=False) == Outcome.TURN_BACK
    assert decide(itinerary_star=True, test_48h=False, to_county=True) == Outcome.HAND_OVER
    assert decide(risk="high", to_county=True) == Outcome.HAND_OVER
    assert decide(temperature=Decimal("37.3"), to_county=True) == Outcome.HAND_OVER


@pytest.mark.parametrize(
    "over",
    [
        {},
        {"code_colour": "red"},
        {"temperature": Decimal("38.5")},
        {"itinerary_star": True, "test_48h": False},
        {"risk": "high", "to_county": True},
    ],
)
def test_drivers_are_never_turned_back_nor_held(over):
    assert decide(driver=True, **over) in {
        Outcome.PASS,
        Outcome.SAMPLE_AND_GO,
        Outcome.CONTROL_IN_PLACE,
    }


def test_a_table_that_would_turn_back_a_driver_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    bad = {"code": "x", "effective_from": "2022-11-11", "arrival_measures": {},
           "person_rules": [{"id": "r", "when": {"code_colour": ["red"]}, "outcome": "turn_back"},
                            {"id": "d", "when": {}, "outcome": "pass"}]}  # fmt: skip
    with pytest.raises(ImproperlyConfigured, match="driver"):
        parse(bad)
    good = {
        **bad,
        "person_rules": [
            {"id": "d", "when": {"driver": True}, "outcome": "pass"},
            *bad["person_rules"],
        ],
    }
    assert parse(good).rules[0].id == "d"


def test_a_batch_records_vehicles_persons_outcomes_and_arrivals(checkpoint, staff, county, origins):
    going_home = person(origin_county="沙坪坝区", origin_street="井口街道", destination_area_id=county.village_a.pk,
                        address="桃花路1号", id_number="360426199101010071")  # fmt: skip
    driver = person(driver=True, test_48h=False, name="司机")
    report = services.upload_batch(
        checkpoint, vehicles=[vehicle(driver, going_home)], by=staff["county"]
    )
    assert report.errors == [] and (report.vehicles, report.persons, report.arrivals) == (1, 2, 1)
    assert report.outcomes[driver["client_uuid"]] == Outcome.SAMPLE_AND_GO
    assert report.outcomes[going_home["client_uuid"]] == Outcome.HAND_OVER  # high risk, local
    arrival = Arrival.objects.get()
    assert arrival.source == ArrivalSource.CHECKPOINT and arrival.status == ArrivalStatus.PENDING
    assert arrival.area == county.village_a and arrival.risk == "high"
    assert arrival.measure == "left_high_risk_area"
    assert PersonCheck.objects.get(client_uuid=going_home["client_uuid"]).arrival == arrival


def test_a_batch_sent_twice_records_once(checkpoint, staff, county):
    batch = [vehicle(person(destination_area_id=county.village_a.pk))]
    first = services.upload_batch(checkpoint, vehicles=batch, by=staff["county"])
    again = services.upload_batch(checkpoint, vehicles=batch, by=staff["county"])
    assert (first.persons, again.persons, again.already_recorded) == (1, 0, 1)
    assert VehicleCheck.objects.count() == 1 and PersonCheck.objects.count() == 1
    assert Arrival.objects.count() == 1


def test_a_half_bad_batch_keeps_the_good_rows_and_names_the_bad(checkpoint, staff):
    good = vehicle()
    bad_vehicle = vehicle(kind="spaceship")
    no_tractor = vehicle(kind="articulated")
    mixed = vehicle(
        person(driver=True, id_number="36042619910101007X"),
        person(temperature="99"),
        person(name=""),
    )
    old = vehicle(checked_at=(timezone.now() - dt.timedelta(days=30)).isoformat())
    report = services.upload_batch(
        checkpoint, vehicles=[good, bad_vehicle, no_tractor, mixed, old], by=staff["county"]
    )
    problems = {(e.vehicle, e.person, e.field) for e in report.errors}
    assert (1, None, "kind") in problems
    assert (2, None, "tractor_plate") in problems
    assert (
        (3, 0, "id_number") in problems
        and (3, 1, "temperature") in problems
        and (3, 2, "name") in problems
    )
    assert (4, None, "checked_at") in problems
    assert report.vehicles == 1 and report.persons == 1
    assert VehicleCheck.objects.count() == 1


def test_an_articulated_truck_keeps_its_tractor_plate(checkpoint, staff):
    v = vehicle(
        person(driver=True),
        kind="articulated",
        plate="渝B挂123",
        tractor_plate="渝B 98765",
        freight=True,
    )
    services.upload_batch(checkpoint, vehicles=[v], by=staff["county"])
    saved = VehicleCheck.objects.get()
    assert (saved.tractor_plate, saved.freight) == ("渝B98765", True)


def test_only_checkpoint_staff_of_the_area(checkpoint, staff, county, make_user):
    from fangkong.core.roles import Role

    with pytest.raises(PermissionDenied):
        services.upload_batch(checkpoint, vehicles=[vehicle()], by=staff["village_a"])
    elsewhere = make_user(Role.CHECKPOINT_OFFICER, county.town_b)
    with pytest.raises(NotFound):
        services.upload_batch(checkpoint, vehicles=[vehicle()], by=elsewhere)
    assert (
        services.upload_batch(checkpoint, vehicles=[vehicle()], by=staff["checkpoint_a"]).persons
        == 1
    )


def test_counts_per_hour_and_outcome(checkpoint, staff):
    services.upload_batch(checkpoint, vehicles=[vehicle(), vehicle(person(code_colour="red"), person(driver=True))],
                          by=staff["county"])  # fmt: skip
    c = selectors.counts(staff["township_a"], timezone.localdate())[0]
    assert c.vehicles == 2 and c.persons == {"pass": 2, "turn_back": 1}
    hour = timezone.localtime().hour
    assert [h.hour for h in c.hours] == [hour]
    assert selectors.counts(staff["township_b"], timezone.localdate()) == []


def test_shifts(checkpoint, staff):
    services.start_shift(checkpoint, by=staff["checkpoint_a"])
    assert [s.user for s in selectors.on_shift(checkpoint)] == [staff["checkpoint_a"]]
    services.start_shift(checkpoint, by=staff["checkpoint_a"])  # again: the old one ends
    assert selectors.on_shift(checkpoint).count() == 1
    assert services.end_shift(by=staff["checkpoint_a"]) == 1
    assert selectors.on_shift(checkpoint).count() == 0


# --- pages and API -------------------------------------------------------------------------------
def test_the_phone_page_has_the_queue_and_the_pass_slot(checkpoint, staff, login):
    page = login(staff["checkpoint_a"]).get(f"/checkpoints/{checkpoint.pk}/check/")
    assert page.status_code == 200
    body = page.content.decode()
    assert (
        "check.js" in body and 'data-testid="extra-sections"' in body and "outcome-labels" in body
    )
    assert login(staff["village_a"]).get(f"/checkpoints/{checkpoint.pk}/check/").status_code == 403


def test_the_upload_api_is_idempotent_and_reports_rows(checkpoint, staff, login):
    c = login(staff["checkpoint_a"])
    url = f"/api/v1/checkpoints/checkpoints/{checkpoint.pk}/uploads"
    batch = {"vehicles": [vehicle(), vehicle(kind="nope")]}
    r = c.post(url, batch, content_type="application/json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["persons"] == 1 and body["errors"][0]["field"] == "kind"
    again = c.post(url, batch, content_type="application/json").json()
    assert again["persons"] == 0 and again["already_recorded"] == 1
    counts = c.get("/api/v1/checkpoints/counts").json()
    assert sum(sum(r["persons"].values()) for r in counts) == 1


def test_the_home_work_queue_of_a_checkpoint_officer(checkpoint, staff, login):
    from fangkong.core.workqueue import awaiting_domains, items_for

    assert awaiting_domains(staff["checkpoint_a"]) == []
    assert [i.key for i in items_for(staff["checkpoint_a"])] == ["checkpoints.unstaffed"]
    services.start_shift(checkpoint, by=staff["checkpoint_a"])
    assert items_for(staff["checkpoint_a"]) == []
    assert login(staff["checkpoint_a"]).get("/checkpoints/").status_code == 200
