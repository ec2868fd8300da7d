"""The freight pass fast lane on the checkpoint officer's phone page: logistics fills the
page's slot (core.slots); the officer scans or types a 12-digit pass number and sees valid,
expired, not yet valid or revoked at once; the check is recorded at that checkpoint, against
the officer's open shift there."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.checkpoints import services as cp_services
from fangkong.core import slots
from fangkong.core.roles import Role, roles_with
from fangkong.logistics import services
from fangkong.logistics.models import FreightPass, PassCheck
from tests.logistics.test_passes import approved

pytestmark = pytest.mark.django_db


def check(client, checkpoint, code):
    url = reverse("logistics:checkpoint_pass", args=[checkpoint.pk])
    return client.post(url, {"pass_code": code, "plate": "渝A12345"}, HTTP_HX_REQUEST="true")


def test_the_phone_page_shows_the_pass_check_with_the_camera(checkpoint, staff, login):
    body = login(staff["checkpoint_a"]).get(f"/checkpoints/{checkpoint.pk}/check/").content.decode()
    section = body.split('data-testid="extra-sections"')[1]
    assert 'data-testid="freight-pass-section"' in section and "data-scan-camera" in section
    assert reverse("logistics:checkpoint_pass", args=[checkpoint.pk]) in section


def test_a_section_is_shown_only_to_those_who_may_use_it(checkpoint, staff, users):
    slots.register("checkpoints.check", "test.decide", template="x.html",
                   permission="freight_pass.decide")  # fmt: skip
    try:
        assert "x.html" not in slots.templates_for("checkpoints.check", staff["checkpoint_a"])
        assert "x.html" in slots.templates_for("checkpoints.check", users["county"])
    finally:
        slots.unregister("checkpoints.check", "test.decide")


def test_valid_expired_not_yet_and_revoked_at_once(county, checkpoint, staff, users, login):
    c = login(staff["checkpoint_a"])
    today = timezone.localdate()
    good = approved(county, users)
    r = check(c, checkpoint, good.number)
    assert r.status_code == 200 and 'data-verdict="valid"' in r.content.decode()
    assert "渝A12345" in r.content.decode()
    FreightPass.objects.filter(pk=good.pk).update(valid_to=today - dt.timedelta(days=1))
    assert 'data-verdict="expired"' in check(c, checkpoint, good.number).content.decode()
    FreightPass.objects.filter(pk=good.pk).update(
        valid_from=today + dt.timedelta(days=1), valid_to=today + dt.timedelta(days=3)
    )
    assert 'data-verdict="not_yet"' in check(c, checkpoint, "FKF:" + good.number).content.decode()
    other = approved(county, users, plate="渝B00002")
    services.revoke(other, by=users["county"], reason="驾驶员核酸阳性")
    body = check(c, checkpoint, other.number).content.decode()
    assert 'data-verdict="revoked"' in body and "驾驶员核酸阳性" in body
    assert PassCheck.objects.filter(area=checkpoint.area, checkpoint=checkpoint.name).count() == 4


def test_the_check_is_recorded_against_the_open_shift_at_this_checkpoint(
    county, checkpoint, staff, users, login
):
    good = approved(county, users)
    c = login(staff["checkpoint_a"])
    check(c, checkpoint, good.number)  # not on shift: recorded at the checkpoint all the same
    shift = cp_services.start_shift(checkpoint, by=staff["checkpoint_a"])
    check(c, checkpoint, good.number)
    elsewhere = cp_services.create_checkpoint(
        cp_services.CheckpointData(name="S26出口", area=county.town_a, location="木叶"),
        by=users["county"],
    )
    check(c, elsewhere, good.number)  # the shift is at the other checkpoint
    rows = list(PassCheck.objects.order_by("pk").values_list("checkpoint", "shift_id"))
    assert rows == [(checkpoint.name, None), (checkpoint.name, shift.pk), ("S26出口", None)]
    assert list(shift.pass_checks.values_list("verdict", flat=True)) == ["valid"]
    # the scan page and the API record against the open shift too
    c.post(reverse("logistics:scan"), {"code": good.number})
    c.post("/api/v1/logistics/verify", {"number": good.number}, content_type="application/json")
    assert shift.pass_checks.count() == 3


def test_bad_input_names_the_number_and_records_nothing(checkpoint, staff, login):
    c = login(staff["checkpoint_a"])
    for bad in ("50024200001", "50024A000001", ""):
        r = check(c, checkpoint, bad)
        assert r.status_code == 422 and "12 digits" in r.content.decode()
    assert not PassCheck.objects.exists()


def test_a_closed_checkpoint_records_nothing(county, checkpoint, staff, users, login):
    good = approved(county, users)
    data = cp_services.CheckpointData(
        name=checkpoint.name, area=checkpoint.area, location=checkpoint.location, active=False
    )
    cp_services.update_checkpoint(checkpoint, data, by=users["county"])
    r = check(login(staff["checkpoint_a"]), checkpoint, good.number)
    assert r.status_code == 422 and "closed" in r.content.decode()
    assert not PassCheck.objects.exists()


def test_wrong_area_and_wrong_role(county, checkpoint, staff, users, login, make_user):
    good = approved(county, users)
    officer_b = make_user(Role.CHECKPOINT_OFFICER, county.town_b, username="cp_b")
    assert check(login(officer_b), checkpoint, good.number).status_code == 404
    assert check(login(users["sampler_a"]), checkpoint, good.number).status_code == 403
    assert check(login(users["township_a"]), checkpoint, good.number).status_code == 403
    get = login(staff["checkpoint_a"]).get(
        reverse("logistics:checkpoint_pass", args=[checkpoint.pk])
    )
    assert get.status_code == 405
    assert not PassCheck.objects.exists()


def test_the_checkpoint_officer_verifies_passes_but_neither_applies_nor_decides():
    officer = Role.CHECKPOINT_OFFICER
    assert officer in roles_with("freight_pass.verify")
    assert officer not in roles_with("freight_pass.apply")
    assert officer not in roles_with("freight_pass.decide")
