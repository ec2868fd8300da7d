"""Exports start at once and stay flat: the workbook's bytes leave while the rows are still
being read (a 200,000-row export used to send nothing for 51 s, beyond a proxy's timeout),
the file opens in Excel's readers with its types and formats, and exports are limited per
user like searches."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from fangkong.core.export import stream_xlsx
from fangkong.core.models import AuditLog
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_the_first_bytes_leave_before_the_rows_are_all_read():
    read = {"n": 0}

    def rows():
        for i in range(10_000):
            read["n"] += 1
            yield [f"人员{i}", i]

    chunks = stream_xlsx(["姓名", "序号"], rows(), flush_every=500)
    first = next(chunks)
    assert first.startswith(b"PK")  # a zip: the package parts are already on their way
    assert read["n"] == 0
    second = next(chunks)
    assert second and read["n"] <= 501  # the first 500 rows, not the whole list
    data = first + second + b"".join(chunks)
    assert read["n"] == 10_000
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.max_row == 10_001
    assert [c.value for c in ws[10_001]] == ["人员9999", 9999]


def test_cells_keep_their_types_and_text_that_looks_like_a_formula_stays_text():
    row = ["张三", 7, 2.5, dt.date(2026, 12, 1), dt.datetime(2026, 12, 1, 8, 30), "=1+1",
           None, True, "  spaced ", "a\x07b"]  # fmt: skip
    data = b"".join(stream_xlsx([f"h{i}" for i in range(len(row))], [row], title="名单:一"))
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws.title == "名单 一"  # ':' is not allowed in a sheet name
    assert ws["A1"].font.b  # the header
    values = [c.value for c in ws[2]]
    assert values == ["张三", 7, 2.5, dt.datetime(2026, 12, 1), dt.datetime(2026, 12, 1, 8, 30),
                      "=1+1", None, True, "  spaced ", "ab"]  # fmt: skip
    assert ws["F2"].data_type == "s" and ws["F2"].quotePrefix  # never evaluated
    assert ws["D2"].number_format == "yyyy-mm-dd"


def test_a_person_list_export_is_streamed_audited_and_limited(users, county, login, settings):
    settings.FANGKONG_RATE_LIMITS = {**settings.FANGKONG_RATE_LIMITS, "export": (2, 600)}
    PersonFactory(area=county.village_a, name="张三")
    client = login(users["township_a"])
    for _ in range(2):
        resp = client.get("/people/persons/?export=xlsx")
        assert resp.status_code == 200 and resp.streaming
        rows = list(load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active.values)
        assert rows[1][0] == "张三"
    refused = client.get("/people/persons/?export=xlsx")
    assert refused.status_code == 429
    assert "Too many exports" in refused.content.decode()  # says what was limited, and when
    assert AuditLog.objects.filter(action="export").count() == 2  # the refused one is not
    # another user is not affected
    assert login(users["county"]).get("/people/persons/?export=xlsx").status_code == 200
