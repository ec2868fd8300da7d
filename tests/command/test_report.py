"""The daily report: the day's figures from the same selectors as the page, as PDF and
Excel (Chinese), archived by version; a rebuild says what changed; a future day refused."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from fangkong.command import selectors
from fangkong.command.models import DailyReport
from fangkong.command.services import reports
from fangkong.command.tasks import next_build_at
from fangkong.control.services import start_episode
from fangkong.core.errors import PermissionDenied, ValidationFailed
from fangkong.policy.choices import Reason
from tests.factories import PersonFactory


def _values(data):
    return {f["key"]: (f["value"], f["by_township"]) for s in data["sections"]
            for f in s["figures"]}  # fmt: skip


def test_the_reports_numbers_are_the_pages_numbers(login, users, county, under_control):
    day = timezone.localdate()
    report = reports.build_report(county.county, day)
    page = login(users["county"]).get(f"/command/?day={day.isoformat()}")
    assert page.status_code == 200
    assert _values(report.figures) == _values(page.context["pic"].as_dict())
    assert _values(report.figures)["control.total"][0] == 2


def test_the_files_are_a_pdf_and_a_workbook_with_chinese_headers(settings, county, under_control):
    settings.LANGUAGE_CODE = "zh-hans"
    report = reports.build_report(county.county, timezone.localdate())
    pdf = bytes(report.pdf)
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf  # a TrueType font embedded
    assert b"NotoSansCJK" in pdf  # and it is the Chinese one
    wb = load_workbook(io.BytesIO(bytes(report.xlsx)))
    assert "数据" in wb.sheetnames[0] or "指标" in wb.sheetnames[0]
    headers = [c.value for c in next(wb.worksheets[0].iter_rows(max_row=1))]
    assert "指标" in headers and "数值" in headers
    labels = [r[1].value for r in wb.worksheets[0].iter_rows(min_row=2)]
    assert "管控人数" in labels


def test_a_rebuild_makes_a_new_version_and_says_what_changed(users, county, under_control):
    day = timezone.localdate()
    first = reports.build_report(None, day, by=users["county"])
    assert first.version == 1 and first.changes == []
    newcomer = PersonFactory(area=county.town_a)
    start_episode(newcomer, Reason.CLOSE_CONTACT, by=users["county"], start_date=day)
    second = reports.build_report(None, day, by=users["county"])
    assert second.version == 2
    changed = {c["key"]: (c["before"], c["after"]) for c in second.changes}
    assert changed["control.total"] == (2, 3)
    assert changed[f"control.total@{county.town_a.path}"] == (1, 2)
    assert f"control.total@{county.town_b.path}" not in changed
    first.refresh_from_db()
    assert _values(first.figures)["control.total"][0] == 2  # the first version kept as it was


def test_a_report_for_a_future_day_is_refused_and_nothing_written(users):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        reports.build_report(None, tomorrow, by=users["county"])
    assert "day" in exc.value.fields
    assert DailyReport.objects.count() == 0
    assert reports.build_report(None, timezone.localdate(), by=users["county"]).version == 1


def test_only_the_command_centre_builds_reports(login, users):
    with pytest.raises(PermissionDenied):
        reports.build_report(None, timezone.localdate(), by=users["township_a"])
    day = timezone.localdate().isoformat()
    refused = login(users["township_a"]).post("/command/reports/build/", {"day": day})
    assert refused.status_code == 403
    built = login(users["county"]).post("/command/reports/build/", {"day": day})
    assert built.status_code == 302 and DailyReport.objects.count() == 1


def test_the_report_pages_and_files_open_for_their_area_only(login, users, county):
    report = reports.build_report(county.county, timezone.localdate())
    county_client = login(users["county"])
    for url in (f"/command/reports/{report.pk}/", f"/command/reports/{report.pk}/pdf/",
                f"/command/reports/{report.pk}/xlsx/", "/command/reports/"):  # fmt: skip
        assert county_client.get(url).status_code == 200, url
    # the county's report is not a township's to read
    assert login(users["township_a"]).get(f"/command/reports/{report.pk}/").status_code == 404
    assert login(users["sampler_a"]).get("/command/reports/").status_code == 403


def test_the_scheduled_build_makes_yesterdays_report_once(county):
    built = reports.build_due_reports()
    assert [r.day for r in built] == [timezone.localdate() - dt.timedelta(days=1)]
    assert reports.build_due_reports() == []  # already built
    assert next_build_at() > timezone.now()


def test_the_report_fails_clearly_without_a_chinese_font(settings, county, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from fangkong.command import report_files

    monkeypatch.setattr(report_files, "FONT_CANDIDATES", ())
    settings.FANGKONG_REPORT_FONT = "/nonexistent.ttc"
    with pytest.raises(ImproperlyConfigured, match="fonts-noto-cjk"):
        reports.build_report(county.county, timezone.localdate())
    assert DailyReport.objects.count() == 0


def test_the_picture_of_the_report_viewer_is_the_county_users(users, county, under_control):
    day = timezone.localdate()
    viewer = selectors.AreaViewer(county.county)
    assert _values(selectors.picture(viewer, day).as_dict()) == _values(
        selectors.picture(users["county"], day).as_dict()
    )
