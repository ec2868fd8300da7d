"""Testing points and screening rounds: who may set them up, and what a bad one is."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.errors import NotFound, PermissionDenied, ValidationFailed
from fangkong.testing import selectors, services
from fangkong.testing.models import ScreeningRound, TestingPoint


def test_a_point_has_kind_area_hours_and_samplers(point, users, county):
    assert point.kind == "fixed"
    assert point.area == county.town_a
    assert point.hours == "07:00-22:00"
    assert list(point.samplers.all()) == [users["sampler_a"]]


def test_a_sampler_cannot_set_up_points(users, county):
    with pytest.raises(PermissionDenied):
        services.create_point(name="x", kind="fixed", area=county.town_a, by=users["sampler_a"])


def test_a_township_sets_up_points_only_in_its_own_area(users, county):
    with pytest.raises(NotFound):
        services.create_point(name="x", kind="fixed", area=county.town_b, by=users["township_a"])


def test_a_point_of_unknown_kind_is_refused(users, county):
    with pytest.raises(ValidationFailed) as e:
        services.create_point(name="x", kind="drive-in", area=county.town_a, by=users["county"])
    assert "kind" in e.value.fields


def test_only_samplers_can_be_assigned_to_a_point(users, county):
    with pytest.raises(ValidationFailed) as e:
        services.create_point(name="x", kind="fixed", area=county.town_a,
                              samplers=[users["lab"]], by=users["county"])  # fmt: skip
    assert "samplers" in e.value.fields


def test_a_round_pools_ten_to_a_tube_by_default(rnd):
    assert rnd.pooling_ratio == 10


@pytest.mark.parametrize("ratio", [0, 21])
def test_a_round_refuses_a_pooling_ratio_out_of_range(users, county, ratio):
    now = timezone.now()
    with pytest.raises(ValidationFailed) as e:
        services.create_round(name="r", areas=[county.town_a], starts_at=now,
                              ends_at=now + dt.timedelta(hours=1), pooling_ratio=ratio,
                              by=users["county"])  # fmt: skip
    assert "pooling_ratio" in e.value.fields


def test_a_round_must_end_after_it_starts(users, county):
    now = timezone.now()
    with pytest.raises(ValidationFailed) as e:
        services.create_round(name="r", areas=[county.town_a], starts_at=now, ends_at=now,
                              by=users["county"])  # fmt: skip
    assert "ends_at" in e.value.fields


def test_target_population_is_the_active_persons_in_the_rounds_areas(rnd, residents, person_b):
    assert set(selectors.target_persons(rnd)) == set(residents)


def test_points_and_rounds_are_scoped_by_area(point, point_b, rnd, users):
    assert list(TestingPoint.objects.visible_to(users["township_a"])) == [point]
    assert list(TestingPoint.objects.visible_to(users["township_b"])) == [point_b]
    # a round over township A is seen by A (and the county, and A's villages), not by B
    assert list(ScreeningRound.objects.visible_to(users["township_a"])) == [rnd]
    assert list(ScreeningRound.objects.visible_to(users["village_a"])) == [rnd]
    assert list(ScreeningRound.objects.visible_to(users["county"])) == [rnd]
    assert list(ScreeningRound.objects.visible_to(users["township_b"])) == []
