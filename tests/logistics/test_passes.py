"""Freight passes: one vehicle, one pass, one route; a 12-digit number (6-digit
administrative code + 6-digit serial); the crew's 48 h test; approved, refused or revoked
with a reason; and the checkpoint's fast lane (valid, expired, not yet, revoked)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.errors import IllegalTransition, PermissionDenied, ValidationFailed
from fangkong.logistics import selectors, services
from fangkong.logistics.choices import PASS_TRANSITIONS, PassStatus, Verdict
from fangkong.logistics.models import FreightPass, PassCheck
from fangkong.logistics.states import PassMachine
from tests.state_walk import walk
from tests.workforce.conftest import valid_id

pytestmark = pytest.mark.django_db


def application(area, *, hours_ago=10, plate="渝A12345", days=7, **kw):
    today = timezone.localdate()
    data = dict(
        area=area, applicant_name="酉阳县民生超市", applicant_role="receiver",
        applicant_phone="13800138000", goods_class="daily_needs", goods="蔬菜",
        plate=plate, origin="重庆市秀山县", destination="重庆市酉阳县",
        valid_from=today, valid_to=today + dt.timedelta(days=days - 1),
        crew=[services.CrewData("刘师傅", valid_id(), "13900139000",
                                timezone.now() - dt.timedelta(hours=hours_ago))],
    )  # fmt: skip
    data.update(kw)
    return services.PassApplication(**data)


def approved(county, users, **kw):
    fp = services.apply(by=users["county"], data=application(county.county, **kw))
    return services.approve(fp, by=users["county"])


def test_a_pass_number_is_the_county_code_and_a_serial(county, users):
    one = services.apply(by=users["county"], data=application(county.county))
    two = services.apply(by=users["county"], data=application(county.county, plate="渝B54321"))
    assert (one.number, two.number) == ("500242000001", "500242000002")
    assert one.status == PassStatus.APPLIED and one.crew.count() == 1
    town = services.apply(by=users["township_a"], data=application(county.town_a, plate="渝C11111"))
    assert town.number.startswith("500242") and len(town.number) == 12


def test_a_crew_test_older_than_48_hours_is_refused_and_nothing_is_written(county, users):
    with pytest.raises(ValidationFailed) as exc:
        services.apply(by=users["county"], data=application(county.county, hours_ago=49))
    assert "crew.1" in exc.value.fields and "48 hours" in str(exc.value.fields["crew.1"])
    assert not FreightPass.objects.exists()
    assert services.apply(by=users["county"], data=application(county.county, hours_ago=47)).pk


def test_an_expired_test_at_approval_is_refused(county, users):
    fp = services.apply(by=users["county"], data=application(county.county, hours_ago=47))
    fp.crew.update(tested_at=timezone.now() - dt.timedelta(hours=50))
    with pytest.raises(ValidationFailed):
        services.approve(fp, by=users["county"])
    fp.refresh_from_db()
    assert fp.status == PassStatus.APPLIED


def test_the_vehicle_and_the_route_are_checked(county, users):
    cases = {
        "plate": application(county.county, plate="渝A1234挂"),  # a trailer's plate
        "trailer_plate": application(county.county, trailer_plate="渝A12345"),
        "origin": application(county.county, origin="秀山"),  # not to county level
        "valid_to": application(county.county, days=45),
    }
    for field, data in cases.items():
        with pytest.raises(ValidationFailed) as exc:
            services.apply(by=users["county"], data=data)
        assert field in exc.value.fields, field
    ok = services.apply(
        by=users["county"], data=application(county.county, trailer_plate="渝A6789挂")
    )
    assert ok.trailer_plate == "渝A6789挂"
    with pytest.raises(ValidationFailed) as exc:  # one vehicle, one pass for these days
        services.apply(by=users["county"], data=application(county.county))
    assert "plate" in exc.value.fields


def test_refusing_and_revoking_need_a_reason_and_follow_the_machine(county, users):
    fp = services.apply(by=users["county"], data=application(county.county))
    with pytest.raises(ValidationFailed):
        services.refuse(fp, by=users["county"], reason=" ")
    services.refuse(fp, by=users["county"], reason="货物不属重点物资")
    fp.refresh_from_db()
    assert fp.status == PassStatus.REFUSED and fp.reason == "货物不属重点物资"
    with pytest.raises(IllegalTransition):
        services.approve(fp, by=users["county"])
    with pytest.raises(PermissionDenied):
        services.approve(services.apply(by=users["county"], data=application(county.county, plate="渝D22222")),
                         by=users["township_a"])  # fmt: skip


def test_the_pass_machine_walks_its_table(county, users):
    def make(status):
        return FreightPass.objects.create(
            number=f"500242{FreightPass.objects.count() + 900000:06d}", area=county.county,
            applicant_name="x", applicant_role="shipper", goods_class="medical", goods="口罩",
            plate="渝A00001", origin="重庆市酉阳县", destination="重庆市秀山县",
            valid_from=timezone.localdate(), valid_to=timezone.localdate(), status=status,
        )  # fmt: skip

    assert PassMachine.table == {k: set(v) for k, v in PASS_TRANSITIONS.items()}
    walk(PassMachine, make, by=users["county"])


def test_the_fast_lane_says_valid_expired_not_yet_or_revoked(county, users):
    today = timezone.localdate()
    good = approved(county, users)
    revoked = approved(county, users, plate="渝B00002")
    services.revoke(revoked, by=users["county"], reason="驾驶员核酸阳性")
    v = services.verify_freight_pass(good.number)
    assert v.valid and v.plate == "渝A12345"
    assert (
        services.verify_freight_pass(good.number, today=today + dt.timedelta(days=7)).verdict
        == Verdict.EXPIRED
    )
    assert (
        services.verify_freight_pass(good.number, today=today - dt.timedelta(days=1)).verdict
        == Verdict.NOT_YET
    )
    r = services.verify_freight_pass("FKF:" + revoked.number)
    assert (r.verdict, r.reason) == (Verdict.REVOKED, "驾驶员核酸阳性")
    assert services.verify_freight_pass("500242999999").verdict == Verdict.UNKNOWN
    pending = services.apply(by=users["county"], data=application(county.county, plate="渝C00003"))
    assert services.verify_freight_pass(pending.number).verdict == Verdict.NOT_APPROVED


def test_a_number_out_of_format_is_refused(county, users):
    for bad in ("50024200001", "5002420000011", "50024A000001", ""):
        with pytest.raises(ValidationFailed) as exc:
            services.verify_freight_pass(bad, area=county.county)
        assert "number" in exc.value.fields
    assert not PassCheck.objects.exists()


def test_checks_count_the_vehicles_passed_today(county, users):
    good = approved(county, users)
    services.verify_freight_pass(good.number, area=county.town_a, checkpoint="G65出口")
    services.verify_freight_pass(good.number, area=county.town_a, checkpoint="G65出口")
    figs = {f.key: f for f in selectors.figures(users["county"], timezone.localdate())}
    assert figs["logistics.passes_active"].value == 1
    assert figs["logistics.vehicles_passed"].value == 1
    assert figs["logistics.vehicles_passed"].by_township == {county.town_a.path: 2}
    town_b = {f.key: f.value for f in selectors.figures(users["township_b"], timezone.localdate())}
    assert town_b.get("logistics.vehicles_passed", 0) == 0
