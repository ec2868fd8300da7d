"""Turnaround per stage and coverage per village and building."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.testing import selectors, services
from fangkong.testing.models import Tube
from tests.factories import PersonFactory, add_area

H = dt.timedelta(hours=1)


def _stamp(tube, *, sampled, received=None, tested=None, reported=None, state):
    Tube.objects.filter(pk=tube.pk).update(first_sampled_at=sampled, received_at=received,
                                           tested_at=tested, reported_at=reported, state=state)  # fmt: skip


@pytest.fixture
def timed(point, rnd, lab):
    """Three tubes at one point: pooled reported in 10 h; pooled still in transit after 30 h
    (past the 24 h target); single reported in 8 h (past the 6 h target)."""
    now = timezone.now()
    mk = lambda code, kind: Tube.objects.create(barcode=code, round=rnd, point=point,  # noqa: E731
                                                area=point.area, kind=kind, capacity=10, lab=lab)  # fmt: skip
    a, b, c = mk("T0000001", "pooled"), mk("T0000002", "pooled"), mk("T0000003", "single")
    _stamp(a, sampled=now - 12 * H, received=now - 10 * H, tested=now - 4 * H, reported=now - 2 * H,
           state="reported")  # fmt: skip
    _stamp(b, sampled=now - 30 * H, state="in_transit")
    _stamp(c, sampled=now - 9 * H, received=now - 8 * H, tested=now - 2 * H, reported=now - 1 * H,
           state="reported")  # fmt: skip
    return now, a, b, c


def test_turnaround_gives_median_p90_and_tubes_past_target(timed, point):
    now = timed[0]
    [row] = selectors.turnaround(Tube.objects.all(), group="point", now=now)
    assert (row.key, row.tubes, row.past_target) == (point.pk, 3, 2)
    assert row.stages["transport"].count == 2 and row.stages["transport"].median_h == 1.5
    assert row.stages["test"].median_h == 6.0
    assert row.stages["total"].median_h == 9.0 and row.stages["total"].p90_h == pytest.approx(9.8)


def test_turnaround_targets_are_configurable(timed, settings):
    settings.FANGKONG_TESTING_TARGET_HOURS = {"single": 12, "pooled": 48}
    [row] = selectors.turnaround(Tube.objects.all(), group="lab", now=timed[0])
    assert row.past_target == 0


def test_overdue_lists_tubes_past_target_per_stage(timed):
    now, a, b, c = timed
    assert list(selectors.overdue(Tube.objects.all(), "receipt", now=now)) == [b]
    assert list(selectors.overdue(Tube.objects.all(), "test", now=now)) == []


def test_the_turnaround_api_and_page(timed, access):
    r = access.check("/api/v1/testing/turnaround?group=round", api=True, allowed=["county", "lab"],
                     denied_role=[])  # fmt: skip
    assert r["county"] == 200
    access.check(
        "/testing/turnaround/", allowed=["county", "sampler_a", "lab"], denied_role=["admin"]
    )


@pytest.fixture
def building(county):
    return add_area(county.village_a, "500242002001001", "1栋", "building")


def test_coverage_counts_target_sampled_missing_per_village_and_building(
    rnd, residents, swab, building, county, person_b
):
    in_building = [PersonFactory(area=building) for _ in range(3)]
    for p in residents[:4] + in_building[:1]:
        swab(p, "P0000001")
    cov = selectors.coverage(rnd)
    assert (cov.target, cov.sampled, cov.missing) == (15, 5, 10)
    [village] = cov.by_village
    assert (village.name, village.target, village.sampled, village.missing) == (
        "桃花社区",
        15,
        5,
        10,
    )
    cov = selectors.coverage(rnd, area=county.village_a)
    assert [(b.name, b.target, b.sampled) for b in cov.by_building] == [("1栋", 3, 1)]
    missing = set(selectors.missing_persons(rnd))
    assert missing == set(residents[4:] + in_building[1:])


def test_coverage_outside_the_round_is_empty(rnd, residents, county):
    assert selectors.coverage(rnd, area=county.town_b).target == 0


def test_missing_people_go_to_door_to_door_once(rnd, residents, swab, users, county):
    swab(residents[0], "P0000001")
    assert (
        services.send_missing_to_door_to_door(rnd, area=county.village_a, by=users["county"]) == 11
    )
    assert (
        services.send_missing_to_door_to_door(rnd, area=county.village_a, by=users["county"]) == 0
    )


def test_coverage_api_and_missing_export(rnd, residents, swab, access, login, users):
    swab(residents[0], "P0000001")
    url = f"/api/v1/testing/rounds/{rnd.pk}/coverage"
    access.check(url, api=True, allowed=["county", "township_a"], denied_role=["sampler_a"],
                 other_area=["township_b"])  # fmt: skip
    body = login(users["township_a"]).get(url).json()
    assert (body["target"], body["sampled"], body["missing"]) == (12, 1, 11)
    r = login(users["township_a"]).get(f"/testing/rounds/{rnd.pk}/?export=missing")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    access.check(f"/testing/rounds/{rnd.pk}/", allowed=["county", "township_a"],
                 other_area=["township_b"])  # fmt: skip
