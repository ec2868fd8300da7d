"""Risk areas elsewhere (versioned, by hand and from Excel) and the residents-elsewhere
ledger (by hand and from Excel; an expected return becomes an expected arrival)."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook

from fangkong.arrivals import services
from fangkong.arrivals.choices import ArrivalSource, AwayStatus
from fangkong.arrivals.models import Arrival, OriginArea, ResidentAway
from fangkong.arrivals.origins import risk_of
from fangkong.core.errors import PermissionDenied, ValidationFailed
from tests.arrivals.conftest import OTHER_ID, VALID_ID

pytestmark = pytest.mark.django_db


def xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["2022年11月风险区清单"])  # a title row above the header, as field sheets have
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_change_is_a_new_version_and_the_old_one_is_kept(staff):
    day = timezone.localdate() - dt.timedelta(days=2)
    first = services.save_origin(services.OriginData(level="low", province="广东省", city="广州市",
                                                     county="海珠区", effective_from=day), by=staff["county"])  # fmt: skip
    same = services.save_origin(services.OriginData(level="low", province="广东省", city="广州市",
                                                    county="海珠区", effective_from=day), by=staff["county"])  # fmt: skip
    assert same.pk == first.pk  # nothing changed: no new version
    second = services.save_origin(services.OriginData(level="high", province="广东省", city="广州市",
                                                      county="海珠区", effective_from=day), by=staff["county"])  # fmt: skip
    assert (second.version, second.previous) == (2, first)
    first.refresh_from_db()
    assert first.superseded_at is not None
    assert risk_of(timezone.localdate(), "广东省", "广州市", "海珠区")[1] == "high"
    ended = services.end_origin(
        second, on=timezone.localdate() - dt.timedelta(days=1), by=staff["county"]
    )
    assert ended.version == 3
    assert risk_of(timezone.localdate(), "广东省", "广州市", "海珠区")[1] == "none"
    with pytest.raises(PermissionDenied):
        services.save_origin(
            services.OriginData(level="low", province="x", effective_from=day),
            by=staff["township_a"],
        )


def test_origins_from_excel_all_or_nothing(staff):
    header = ["省", "市", "区县", "街道", "风险等级", "开始日期", "结束日期"]
    bad = xlsx([header, ["重庆市", "重庆市", "沙坪坝区", "井口街道", "高", "2022-11-20", ""],
                ["四川省", "成都市", "", "", "中", "2022-11-20", ""],
                ["四川省", "", "", "", "低", "不是日期", ""]])  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        services.import_origins(bad, by=staff["county"])
    fields = " ".join(exc.value.fields)
    assert fields == "row 4: level row 5: effective_from"  # Excel row numbers, title row above
    assert OriginArea.objects.count() == 0
    good = xlsx([header, ["重庆市", "重庆市", "沙坪坝区", "井口街道", "高风险区", "2022/11/20", ""],
                 ["四川省", "成都市", "", "", "低", "2022年11月21日", "2022-12-31"]])  # fmt: skip
    r = services.import_origins(good, by=staff["county"])
    assert (r.created, r.unchanged) == (2, 0)
    assert services.import_origins(good, by=staff["county"]).unchanged == 2
    missing = xlsx([["省", "风险等级"], ["重庆市", "高"]])
    with pytest.raises(ValidationFailed) as exc:
        services.import_origins(missing, by=staff["county"])
    assert "开始日期" in str(exc.value.fields["file"][0])


def test_a_resident_away_with_an_expected_return_becomes_an_expected_arrival(
    county, staff, origins
):
    back = timezone.localdate() + dt.timedelta(days=5)
    entry, created = services.record_away(services.AwayData(
        name="钱七", id_number=VALID_ID, area_id=county.village_a.pk, whereabouts_province="广东省",
        whereabouts_city="广州市", away_since=timezone.localdate() - dt.timedelta(days=60),
        expected_return=back), by=staff["village_a"])  # fmt: skip
    assert created and entry.status == AwayStatus.RETURNING
    arrival = entry.arrival
    assert (arrival.source, arrival.arrival_date, arrival.area) == (
        ArrivalSource.RESIDENT_RETURN,
        back,
        county.village_a,
    )
    # entered again with another date: one entry, one arrival, the new date
    later = back + dt.timedelta(days=2)
    again, created2 = services.record_away(services.AwayData(
        name="钱七", id_number=VALID_ID, area_id=county.village_a.pk, whereabouts_province="广东省",
        expected_return=later), by=staff["village_a"])  # fmt: skip
    assert not created2 and again.pk == entry.pk
    assert ResidentAway.objects.count() == 1 and Arrival.objects.count() == 1
    assert Arrival.objects.get().arrival_date == later


def test_away_refuses_another_village_and_bad_dates(county, staff):
    with pytest.raises(ValidationFailed) as exc:
        services.record_away(services.AwayData(name="钱七", id_number=VALID_ID, area_id=county.village_b.pk,
                                               whereabouts_province="广东省"), by=staff["village_a"])  # fmt: skip
    assert "area" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.record_away(services.AwayData(
            name="钱七", id_number=VALID_ID, area_id=county.village_a.pk, whereabouts_province="广东省",
            away_since=timezone.localdate() + dt.timedelta(days=3)), by=staff["village_a"])  # fmt: skip
    assert "away_since" in exc.value.fields
    assert ResidentAway.objects.count() == 0
    services.record_away(services.AwayData(name="钱七", id_number=VALID_ID, area_id=county.village_a.pk,
                                           whereabouts_province="广东省"), by=staff["village_a"])  # fmt: skip
    assert ResidentAway.objects.get().status == AwayStatus.AWAY


def test_away_from_excel(county, staff):
    header = [
        "姓名",
        "身份证号码",
        "联系电话",
        "村(社区)",
        "在外省份",
        "在外城市",
        "外出时间",
        "预计返乡时间",
    ]
    soon = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    bad = xlsx([header, ["钱七", VALID_ID, "13800138000", "桃花社区", "广东省", "广州市", "2022-10-01", soon],
                ["孙八", "123", "", "不存在村", "", "", "", ""]])  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        services.import_away(bad, by=staff["township_a"])
    assert any(k.endswith("id_number") for k in exc.value.fields) and any(
        k.endswith("area") for k in exc.value.fields
    )
    assert ResidentAway.objects.count() == 0
    good = xlsx([header, ["钱七", VALID_ID, "13800138000", "桃花社区", "广东省", "广州市", "2022-10-01", soon],
                 ["孙八", OTHER_ID, "", "桃花社区", "浙江省", "", "", ""]])  # fmt: skip
    assert services.import_away(good, by=staff["township_a"]) == (2, 0)
    assert Arrival.objects.count() == 1  # only the one with an expected return
    # a township cannot import into another township's villages
    other = xlsx([header, ["周九", "11010519491231002X", "", "龙潭村", "广东省", "", "", ""]])
    with pytest.raises(ValidationFailed):
        services.import_away(other, by=staff["township_a"])
