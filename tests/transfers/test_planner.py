"""The planner without the database: rooms, routes, the validator that checks them, and
the road-distance interface (the estimate, and the OSRM adapter against a double)."""

from __future__ import annotations

import io
import json
import warnings

import pytest

from fangkong.transfers import geo
from fangkong.transfers.planner import core, greedy, synthetic, validate
from fangkong.transfers.planner.model import Params, PTrip

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def day():
    problem = synthetic.county_day(
        requests=40, persons=90, vehicles=6, sites=4, rooms=120, params=Params(seconds=0.5)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return problem, core.plan(problem)


def test_a_small_day_is_planned_without_breaking_a_rule(day):
    problem, sol = day
    assert validate.validate(problem, sol) == []
    assert len(sol.arrival()) + len(sol.left) == len(problem.requests)
    rooms = list(sol.rooms.values())
    assert len(rooms) == len(set(rooms))  # one request per room


def test_positives_travel_alone_by_ambulance(day):
    problem, sol = day
    req = {r.id: r for r in problem.requests}
    amb = {v.id for v in problem.vehicles if v.ambulance}
    for t in sol.trips:
        kinds = {req[r].positive for r, _ in t.stops}
        assert len(kinds) == 1
        if True in kinds:
            assert t.vehicle in amb


def test_the_validator_catches_what_a_solver_might_get_wrong(day):
    problem, sol = day
    first = next(t for t in sol.trips if not t.positive)
    # a negative request slipped into a positive trip, a room given twice, an overload,
    # a trip started before the last one's disinfection
    positive_trip = next((t for t in sol.trips if t.positive), None)
    broken = type(sol)(
        rooms={**sol.rooms}, sites={**sol.sites}, hospitals={**sol.hospitals},
        trips=[PTrip(**{**t.__dict__, "stops": list(t.stops)}) for t in sol.trips], left={**sol.left},
    )  # fmt: skip
    a, b = list(sol.rooms)[:2]
    broken.rooms[b] = broken.rooms[a]
    t0 = next(t for t in broken.trips if t.vehicle == first.vehicle and t.seq == first.seq)
    seats = {v.id: v.seats for v in problem.vehicles}[t0.vehicle]
    big = next((r for r in problem.requests if r.persons > 1 and not r.positive), None)
    if big is not None:
        t0.stops = t0.stops + [(big.id, t0.end)] * (seats // big.persons + 1)
    later = [t for t in broken.trips if t.vehicle == t0.vehicle and t.start > t0.start]
    if later:
        later[0].start = t0.end  # no time to disinfect
    codes = {c for c, _ in validate.validate(problem, broken)}
    assert "room_shared" in codes
    if big is not None:
        assert "over_capacity" in codes and "carried_twice" in codes
    if later:
        assert "no_disinfection" in codes
    if positive_trip is not None:
        mixed = PTrip(**{**positive_trip.__dict__, "stops": positive_trip.stops + [t0.stops[0]]})
        codes = {c for c, _ in validate.validate(problem, type(sol)(trips=[mixed], left={}))}
        assert "positive_with_negative" in codes
    assert validate.validate(problem, sol) == []  # the original still passes


def test_more_persons_than_ready_beds_leaves_the_rest_with_a_reason():
    problem = synthetic.county_day(requests=30, persons=60, vehicles=6, sites=2, rooms=10,
                                   positives=0.0, params=Params(seconds=0.3))  # fmt: skip
    sol = core.plan(problem)
    assert validate.validate(problem, sol) == []
    assert len(sol.rooms) <= 10 and len(sol.left) >= 20
    assert set(sol.left.values()) <= {"no_room_fits", "no_beds_left", "no_shift_left"}


def test_the_greedy_baseline_is_valid_too(day):
    problem, _sol = day
    assert validate.validate(problem, greedy.plan(problem)) == []


def test_the_estimate_is_the_straight_line_times_the_detour_at_road_speed():
    a, b = geo.Point(28.84, 108.77, "town"), geo.Point(28.94, 108.77, "town")
    straight = geo.haversine_m(a, b)
    assert 11_000 < straight < 11_300  # 0.1° of latitude
    dist, dur = geo.EstimateRouter(detour=1.5).matrix([a, b])
    assert dist[0][1] == round(straight * 1.5) and dist[1][0] == dist[0][1]
    assert dur[0][1] == round(straight * 1.5 / (40 / 3.6))  # towns at 40 km/h
    slow = geo.EstimateRouter(detour=1.5).matrix([a, geo.Point(28.94, 108.77, "village")])[1]
    assert slow[0][1] > dur[0][1]  # village roads are slower


def test_the_osrm_adapter_reads_the_table_service_through_a_double():
    seen = []

    class Reply(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def opener(url, timeout):
        seen.append(url)
        body = {
            "code": "Ok",
            "distances": [[0, 1500.4], [1490, 0]],
            "durations": [[0, 120.6], [118, 0]],
        }
        return Reply(json.dumps(body).encode())

    router = geo.OsrmRouter("http://osrm.test:5000/", opener=opener)
    dist, dur = router.matrix([geo.Point(28.84, 108.77), geo.Point(28.85, 108.78)])
    assert dist == [[0, 1500], [1490, 0]] and dur == [[0, 121], [118, 0]]
    assert seen == ["http://osrm.test:5000/table/v1/driving/108.770000,28.840000;108.780000,28.850000"
                    "?annotations=distance,duration"]  # fmt: skip

    def failing(url, timeout):
        return Reply(json.dumps({"code": "InvalidQuery"}).encode())

    with pytest.raises(RuntimeError):
        geo.OsrmRouter("http://osrm.test", opener=failing).matrix([geo.Point(0, 0)])


def test_the_router_is_chosen_by_a_setting(settings):
    geo.use_router(None)
    settings.TRANSFERS_ROUTER = "osrm"
    settings.TRANSFERS_ROUTER_URL = "http://osrm.test"
    assert isinstance(geo.get_router(), geo.OsrmRouter)
    settings.TRANSFERS_ROUTER = "estimate"
    assert isinstance(geo.get_router(), geo.EstimateRouter)
