"""Sampling: pooled tubes fill and close, single tubes for people under control or in the
round's flagged key groups, repeats warned, people outside the round refused."""

import pytest

from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.testing import services
from fangkong.testing.models import Tube, TubeMember
from tests.factories import PersonFactory
from tests.testing.conftest import new_uuid


def test_a_pooled_tube_takes_ten_and_closes_when_full(residents, swab):
    for p in residents[:9]:
        res = swab(p, "P0000001")
        assert not res.closed
    assert res.tube.kind == "pooled" and res.tube.capacity == 10 and res.tube.state == "open"
    res = swab(residents[9], "P0000001")
    assert res.closed
    tube = Tube.objects.get(barcode="P0000001")
    assert (tube.state, tube.member_count) == ("closed", 10)
    assert tube.first_sampled_at is not None and tube.closed_at is not None


def test_the_rounds_ratio_sets_the_pool_size(users, county, point, residents):
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    five = services.create_round(name="5合1", areas=[county.town_a], pooling_ratio=5,
                                 starts_at=now - dt.timedelta(hours=1),
                                 ends_at=now + dt.timedelta(hours=5), by=users["county"])  # fmt: skip
    for p in residents[:5]:
        res = services.sample(five, point, person=p, tube_barcode="P5000001", by=users["sampler_a"])
    assert res.tube.capacity == 5 and res.closed


def test_a_pooled_tube_can_be_closed_by_hand(full_pool, residents, swab, users):
    res = swab(residents[10], "P0000002")
    tube = services.close_tube(res.tube, by=users["sampler_a"])
    assert (tube.state, tube.member_count) == ("closed", 1)


def test_an_empty_tube_cannot_be_closed(point, rnd, users):
    tube = Tube.objects.create(barcode="EMPTY01", round=rnd, point=point, area=point.area,
                               kind="pooled", capacity=10)  # fmt: skip
    with pytest.raises(ValidationFailed):
        services.close_tube(tube, by=users["sampler_a"])


def test_a_closed_tube_scanned_again_is_refused(full_pool, residents, swab):
    with pytest.raises(Conflict) as e:
        swab(residents[10], full_pool.barcode)
    assert e.value.code == "tube_closed"
    assert "scanned before" in str(e.value.message)
    assert TubeMember.objects.filter(person=residents[10]).count() == 0


def test_a_person_under_control_is_sampled_singly(residents, swab, users):
    from fangkong.control.services import start_episode

    start_episode(residents[0], "close_contact", by=users["county"])
    res = swab(residents[0], "S0000001")
    assert (res.tube.kind, res.tube.capacity, res.closed) == ("single", 1, True)


def test_a_person_under_control_cannot_go_into_a_pooled_tube(residents, swab, users):
    from fangkong.control.services import start_episode

    swab(residents[1], "P0000001")
    start_episode(residents[0], "close_contact", by=users["county"])
    with pytest.raises(ValidationFailed) as e:
        swab(residents[0], "P0000001")
    assert e.value.code == "single_required"


def test_a_key_group_flagged_by_the_round_is_sampled_singly(residents, swab, rnd):
    from fangkong.people.models import KeyCategory

    cat = KeyCategory.objects.create(code="cold_chain", name="冷链从业人员")
    rnd.single_categories.add(cat)
    residents[0].categories.add(cat)
    assert services.needs_single_tube(residents[0], rnd)
    assert not services.needs_single_tube(residents[1], rnd)
    assert swab(residents[0], "S0000002").tube.kind == "single"


def test_a_person_sampled_twice_in_a_round_is_warned_not_duplicated(residents, swab):
    swab(residents[0], "P0000001")
    with pytest.raises(Conflict) as e:
        swab(residents[0], "P0000002")
    assert e.value.code == "repeat"
    assert "already sampled in this round" in str(e.value.message)
    assert TubeMember.objects.filter(person=residents[0]).count() == 1
    # the sampler confirms: recorded, marked as a repeat
    res = swab(residents[0], "P0000002", confirm_repeat=True)
    assert res.repeat and res.member.repeat
    assert TubeMember.objects.filter(person=residents[0]).count() == 2


def test_the_same_person_twice_in_one_tube_is_refused(residents, swab):
    swab(residents[0], "P0000001")
    with pytest.raises(Conflict):
        swab(residents[0], "P0000001", confirm_repeat=True)


def test_a_person_outside_the_rounds_areas_is_a_clear_error(person_b, swab):
    with pytest.raises(ValidationFailed) as e:
        swab(person_b, "P0000001")
    assert "person" in e.value.fields
    assert "outside the areas of round" in str(e.value.message)
    assert not Tube.objects.exists()


def test_a_scan_retried_with_its_client_id_records_once(residents, swab):
    cid = new_uuid()
    first = swab(residents[0], "P0000001", client_uuid=cid)
    again = swab(residents[0], "P0000001", client_uuid=cid)
    assert first.created and not again.created
    assert again.member.pk == first.member.pk
    assert Tube.objects.get(barcode="P0000001").member_count == 1


def test_a_bad_barcode_is_refused_naming_the_tube(residents, swab):
    with pytest.raises(ValidationFailed) as e:
        swab(residents[0], "a b")
    assert "tube" in e.value.fields


def test_only_the_points_samplers_sample_there(residents, rnd, point, make_user, county):
    other = make_user("sampler", county.town_a)
    with pytest.raises(PermissionDenied):
        services.sample(rnd, point, person=residents[0], tube_barcode="P1000001", by=other)


def test_a_lab_technician_cannot_sample(residents, rnd, point, users):
    with pytest.raises(PermissionDenied):
        services.sample(rnd, point, person=residents[0], tube_barcode="P1000001", by=users["lab"])


def test_a_person_is_found_by_id_number_or_personal_qr(residents):
    p = residents[0]
    assert services.find_person(p.id_number) == p
    assert services.find_person(services.person_qr_payload(p)) == p
    assert services.find_person("P0000001") is None  # a tube barcode
    with pytest.raises(ValidationFailed):
        services.find_person("FKP:123:forged")
    with pytest.raises(NotFound):
        services.find_person("11010519491231002X")  # valid shape, not registered


def test_tubes_and_members_are_scoped_by_area(residents, swab, users, county, point_b, rnd):
    swab(residents[0], "P0000001")
    assert Tube.objects.visible_to(users["township_a"]).count() == 1
    assert Tube.objects.visible_to(users["township_b"]).count() == 0
    assert TubeMember.objects.visible_to(users["village_a"]).count() == 1
    assert TubeMember.objects.visible_to(users["township_b"]).count() == 0


def test_a_merged_person_record_is_refused(residents, swab, county):
    dup = PersonFactory(area=county.village_a, status="merged")
    with pytest.raises(ValidationFailed):
        swab(dup, "P0000001")


def test_two_samplers_opening_the_same_new_tube_at_once_both_swabs_go_in(
    rnd, point, residents, swab, users, monkeypatch
):
    """The other sampler's scan inserts the new tube between our look-up and our insert:
    the unique barcode refuses ours, and instead of an error the scan is tried once more
    and the swab goes into that tube."""
    real_create = Tube.objects.create
    raced = []

    def other_sampler_first(**fields):
        if not raced:
            raced.append(1)
            Tube.objects.bulk_create([Tube(**fields)])  # their tube, committed a moment before
        return real_create(**fields)

    monkeypatch.setattr(Tube.objects, "create", other_sampler_first)
    res = swab(residents[0], "P0000009")
    assert raced and res.created
    tube = Tube.objects.get(barcode="P0000009")
    assert tube.member_count == 1 and res.tube.pk == tube.pk
    assert TubeMember.objects.filter(tube=tube).count() == 1
