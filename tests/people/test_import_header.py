"""Ledgers as field sheets have them: a merged title row (or several) above the header, an
empty or explanatory first sheet. The header is the row, within the first 20 of any sheet,
that names the template's columns best; only then are missing columns reported, by name."""

import io

import pytest
from openpyxl import Workbook

from fangkong.core.errors import ValidationFailed
from fangkong.people.models import ImportJob, Person
from fangkong.people.services.imports import run_import, start_import
from fangkong.people.sheet import HEADERS
from tests.people.conftest import row

A = "500242002001"  # village_a (township A)
ZHANG = "513101198201130014"


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _ledger(ws, titles, headers=HEADERS, rows=()):
    for t in titles:
        ws.append(t)
        if len(t) == 1:  # a title across the table, as offices make them
            ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=11)
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))


def _import(user, content):
    job = start_import(by=user, filename="台账.xlsx", content=content, mode="good")
    return run_import(job.pk)


def test_a_merged_title_row_above_the_header(users, county):
    wb = Workbook()
    _ledger(wb.active, [["桃花社区重点人员登记台账"]], rows=[row("张三", ZHANG, A), row("李四")])
    job = _import(users["township_a"], _save(wb))
    assert job.status == "done", job.message
    assert list(Person.objects.values_list("name", flat=True)) == ["张三", "李四"]


def test_several_title_rows_and_errors_keep_the_sheets_row_numbers(users, county):
    wb = Workbook()
    titles = [["桃花社区重点人员登记台账"], ["填报单位：桃花社区", None, "填报日期：2022-11-23"]]
    rows = [row("张三", ZHANG, A), row("李四", "513101198201130015", A)]
    _ledger(wb.active, titles, rows=rows)
    job = _import(users["township_a"], _save(wb))
    assert job.status == "done", job.message
    # the header is row 3; 李四 is on row 5 of the sheet, and is reported so
    assert [(e.row, e.field) for e in job.row_errors.all()] == [(5, "证件号码")]
    assert list(Person.objects.values_list("name", flat=True)) == ["张三"]


def test_an_empty_first_sheet_is_passed_over(users, county):
    wb = Workbook()
    wb.active.title = "封面"
    _ledger(wb.create_sheet("人员"), [["台账"]], rows=[row("张三", ZHANG, A)])
    notes = wb.create_sheet("说明")
    notes.append(["列", "说明"])
    notes.append(["姓名", "必填"])
    job = _import(users["township_a"], _save(wb))
    assert job.status == "done", job.message
    assert Person.objects.get().name == "张三"


def test_a_missing_column_is_named_below_a_title_row(users, county):
    wb = Workbook()
    headers = [h for h in HEADERS if h != "证件号码"]
    _ledger(wb.active, [["桃花社区重点人员登记台账"]], headers=headers)
    with pytest.raises(ValidationFailed) as exc:
        start_import(by=users["township_a"], filename="x.xlsx", content=_save(wb), mode="all")
    message = exc.value.fields["file"][0]
    assert message == "Missing columns: 证件号码."  # the others were found
    assert not ImportJob.objects.exists()


def test_a_sheet_with_no_header_at_all_names_every_required_column(users, county):
    wb = Workbook()
    wb.active.append(["桃花社区重点人员登记台账"])
    with pytest.raises(ValidationFailed) as exc:
        start_import(by=users["township_a"], filename="x.xlsx", content=_save(wb), mode="all")
    message = exc.value.fields["file"][0]
    assert "Missing columns: 姓名、证件号码、所属区域编码." in message
