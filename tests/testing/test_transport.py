"""Transport: boxes with barcodes, tubes into a box once, handover, receipt with tubes
missing or extra listed."""

import pytest

from fangkong.core.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from fangkong.testing import services
from fangkong.testing.models import Box, Tube


@pytest.fixture
def two_tubes(residents, swab, users):
    for p in residents[:10]:
        swab(p, "P0000001")
    swab(residents[10], "P0000002")
    t2 = services.close_tube(Tube.objects.get(barcode="P0000002"), by=users["sampler_a"])
    return Tube.objects.get(barcode="P0000001"), t2


def test_tubes_go_into_a_box_handed_to_a_courier_and_received(two_tubes, point, lab, users):
    box = services.create_box(barcode="BOX0001", point=point, by=users["sampler_a"])
    for t in two_tubes:
        services.add_tube(box, t.barcode, by=users["sampler_a"])
    box = services.hand_over(box, courier_name="王师傅", courier_phone="13800138000", lab=lab,
                             by=users["sampler_a"])  # fmt: skip
    assert box.state == "in_transit" and box.handed_over_at and box.courier_name == "王师傅"
    assert set(Tube.objects.values_list("state", flat=True)) == {"in_transit"}
    r = services.receive_box(box, lab=lab, by=users["lab"])
    assert r.received == ["P0000001", "P0000002"] and not r.missing and not r.extra
    assert set(Tube.objects.values_list("state", flat=True)) == {"received"}
    assert Tube.objects.filter(lab=lab, received_at__isnull=False).count() == 2


def test_a_tube_in_two_boxes_is_refused(two_tubes, point, users):
    a = services.create_box(barcode="BOX0001", point=point, by=users["sampler_a"])
    b = services.create_box(barcode="BOX0002", point=point, by=users["sampler_a"])
    services.add_tube(a, "P0000001", by=users["sampler_a"])
    with pytest.raises(Conflict) as e:
        services.add_tube(b, "P0000001", by=users["sampler_a"])
    assert e.value.code == "already_boxed" and "BOX0001" in str(e.value.message)
    assert Tube.objects.get(barcode="P0000001").box == a


def test_an_open_tube_cannot_be_boxed(residents, swab, point, users):
    swab(residents[0], "P0000009")
    box = services.create_box(barcode="BOX0001", point=point, by=users["sampler_a"])
    with pytest.raises(ValidationFailed):
        services.add_tube(box, "P0000009", by=users["sampler_a"])


def test_a_box_barcode_is_unique(point, users):
    services.create_box(barcode="BOX0001", point=point, by=users["sampler_a"])
    with pytest.raises(Conflict):
        services.create_box(barcode="BOX0001", point=point, by=users["sampler_a"])


def test_an_empty_box_is_not_handed_over(point, users):
    box = services.create_box(barcode="BOX0001", point=point, by=users["sampler_a"])
    with pytest.raises(ValidationFailed):
        services.hand_over(box, courier_name="王师傅", by=users["sampler_a"])


def test_receipt_lists_tubes_missing_and_extra(two_tubes, point, lab, users, residents, swab):
    box = services.create_box(barcode="BOX0001", point=point, by=users["sampler_a"])
    for t in two_tubes:
        services.add_tube(box, t.barcode, by=users["sampler_a"])
    swab(residents[11], "P0000003")
    services.close_tube(Tube.objects.get(barcode="P0000003"), by=users["sampler_a"])
    services.hand_over(box, courier_name="王师傅", by=users["sampler_a"])
    r = services.receive_box(box, lab=lab, scanned=["P0000001", "P0000003", "ZZZ00001"],
                             by=users["lab"])  # fmt: skip
    assert r.missing == ["P0000002"]
    assert r.extra == ["P0000003"] and r.unknown == ["ZZZ00001"]
    assert sorted(r.received) == ["P0000001", "P0000003"]
    assert Tube.objects.get(barcode="P0000002").state == "in_transit"
    box = Box.objects.get(pk=box.pk)
    assert box.missing == ["P0000002"] and box.extra == ["P0000003", "ZZZ00001"]


def test_a_box_is_received_once(two_tubes, to_lab, users, lab):
    to_lab(*two_tubes)
    with pytest.raises(IllegalTransition):
        services.receive_box(Box.objects.get(), lab=lab, by=users["lab"])


def test_only_a_lab_receives(two_tubes, point, users, lab):
    box = services.create_box(barcode="BOX0001", point=point, by=users["sampler_a"])
    with pytest.raises(PermissionDenied):
        services.receive_box(box, lab=lab, by=users["sampler_a"])


def test_boxes_are_scoped_by_area(point, point_b, users):
    services.create_box(barcode="BOX0001", point=point, by=users["county"])
    services.create_box(barcode="BOX0002", point=point_b, by=users["county"])
    assert [b.barcode for b in Box.objects.visible_to(users["township_a"])] == ["BOX0001"]
    assert [b.barcode for b in Box.objects.visible_to(users["township_b"])] == ["BOX0002"]


def _handover_api(client, box, **body):
    import json

    return client.post(f"/api/v1/testing/boxes/{box.barcode}/handover",
                       json.dumps({"courier_name": "王师傅", **body}),
                       content_type="application/json")  # fmt: skip


@pytest.fixture
def packed_box(two_tubes, point, users):
    box = services.create_box(barcode="BOX0001", point=point, by=users["sampler_a"])
    services.add_tube(box, "P0000001", by=users["sampler_a"])
    return box


def test_a_sampler_names_the_lab_a_box_goes_to_though_not_one_of_its_staff(
    packed_box, lab, users, login
):
    resp = _handover_api(login(users["sampler_a"]), packed_box, lab_id=lab.pk)
    assert resp.status_code == 200, resp.content
    assert Box.objects.get(pk=packed_box.pk).lab == lab
    assert Box.objects.get(pk=packed_box.pk).state == "in_transit"


def test_handing_a_box_to_a_lab_that_does_not_exist_names_lab_id(packed_box, lab, users, login):
    resp = _handover_api(login(users["sampler_a"]), packed_box, lab_id=lab.pk + 999)
    assert resp.status_code == 404
    assert "lab_id" in resp.json()["error"]["fields"]
    assert Box.objects.get(pk=packed_box.pk).state == "packing"


def test_a_lab_of_another_county_is_not_one_to_hand_to(packed_box, users, login, make_user):
    from fangkong.core.roles import Role
    from tests.factories import add_area

    other = add_area(None, "500243", "彭水苗族土家族自治县", "county")
    far = services.create_lab(name="彭水县疾控", code="CDC9", area=other,
                              by=make_user(Role.COUNTY_COMMAND, other))  # fmt: skip
    resp = _handover_api(login(users["sampler_a"]), packed_box, lab_id=far.pk)
    assert resp.status_code == 404 and "lab_id" in resp.json()["error"]["fields"]
    with pytest.raises(NotFound):
        services.hand_over(packed_box, courier_name="王师傅", lab=far, by=users["sampler_a"])
    assert Box.objects.get(pk=packed_box.pk).state == "packing"
