"""Exports that cannot hurt: text that looks like a formula is written as text, control
characters are refused at input (naming the field, in the user's language) and dropped at
export, so one bad value already stored cannot make every export fail."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from fangkong.core.export import write_xlsx
from fangkong.core.models import AuditLog
from fangkong.people.models import Household, Person
from fangkong.people.services.imports import run_import, start_import
from tests.people.conftest import row, xlsx

RISKY = ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=2", "\r=3", '=HYPERLINK("http://x","y")']


def _read(fileobj):
    return load_workbook(fileobj)


def _rows(resp):
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    return [[c.value for c in r] for r in wb.active.iter_rows()]


def test_text_that_starts_like_a_formula_is_written_as_text():
    ws = _read(write_xlsx(["value", "number"], [[v, -5] for v in RISKY])).active
    for i, value in enumerate(RISKY, start=2):
        cell = ws.cell(row=i, column=1)
        assert cell.value == value.replace("\r", "\n")  # the text (XML reads CR as LF)
        assert cell.data_type == "s"  # a string: no formula to evaluate
        assert cell.quotePrefix  # and stays text when the cell is edited
        number = ws.cell(row=i, column=2)
        assert number.value == -5 and number.data_type == "n"  # numbers stay numbers


def test_a_formula_name_in_the_person_export_is_text(users, county, login):
    Person.objects.create(area=county.village_a, name="=cmd|' /C calc'!A0")
    resp = login(users["township_a"]).get("/people/persons/?export=xlsx")
    wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    cell = wb.active["A2"]
    assert cell.value == "=cmd|' /C calc'!A0" and cell.data_type == "s"


def test_control_characters_already_stored_are_dropped_at_export(users, county, login):
    # written past every check (an old import, the database by hand)
    Person.objects.create(area=county.village_a, name="张\x07三\x1b", notes="x")
    AuditLog.objects.create(actor_name="old", action="create", object_repr="张\x07三")
    rows = _rows(login(users["township_a"]).get("/people/persons/?export=xlsx"))
    assert rows[1][0] == "张三"
    audit = _rows(login(users["auditor"]).get("/admin/audit/?actor=old&export=xlsx"))
    assert audit[1][1] == "old" and audit[1][5] == "张三"


def test_write_xlsx_drops_control_characters_and_non_characters():
    ws = _read(write_xlsx(["a\x00b"], [["x\x01y\x7f\x85z\ufffe", "tab\tand\nline"]])).active
    assert ws["A1"].value == "ab"
    assert ws["A2"].value == "xyz" and ws["B2"].value == "tab\tand\nline"


# --- refused at input -------------------------------------------------------------------------
def test_the_api_refuses_a_control_character_naming_the_field(users, county, login):
    client = login(users["township_a"])
    resp = client.post(
        "/api/v1/persons",
        {"area_id": county.village_a.pk, "name": "张\x07三"},
        content_type="application/json",
    )
    assert resp.status_code == 422
    fields = resp.json()["error"]["fields"]
    assert list(fields) == ["name"] and "U+0007" in fields["name"][0]
    resp = client.post(
        "/api/v1/households",
        {"area_id": county.village_a.pk, "address": "桃花路\x001号"},
        content_type="application/json",
    )
    assert resp.status_code == 422 and "address" in resp.json()["error"]["fields"]
    assert not Person.objects.exists() and not Household.objects.exists()
    # line breaks in notes are text, not control characters
    ok = client.post(
        "/api/v1/persons",
        {"area_id": county.village_a.pk, "name": "张三", "notes": "一\n二\t三"},
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.json()


def test_a_form_refuses_a_control_character_in_the_users_language(users, county, login):
    client = login(users["township_a"])
    with translation.override("zh-hans"):
        resp = client.post(
            "/people/persons/new/",
            {"area": county.village_a.pk, "name": "张\x1b三", "doc_type": "passport"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert resp.status_code == 422
    errors = resp.context["form"].errors
    assert list(errors) == ["name"]
    assert "控制字符" in errors["name"][0] and "U+001B" in errors["name"][0]
    assert not Person.objects.exists()


def test_an_import_row_with_a_control_character_is_reported(users, county):
    # XML cannot carry C0 controls, but a sheet can hold C1 ones (U+0080-U+009F)
    content = xlsx(
        [
            row("张\x9b三", area="500242002001"),
            row("李四", area="500242002001", address="桃花\x85路"),
            row("王五", area="500242002001"),
        ]
    )
    job = run_import(
        start_import(by=users["township_a"], filename="x.xlsx", content=content, mode="all").pk
    )
    found = {(e.row, e.field) for e in job.row_errors.all()}
    assert found == {(2, "姓名"), (3, "地址")}
    assert not Person.objects.exists()


@pytest.mark.parametrize("value", ["\x00", "\x08", "\x0b", "\x1f", "\x7f", "\x9f", "\ufffe"])
def test_every_control_character_is_refused(value):
    from fangkong.core.errors import ValidationFailed
    from fangkong.core.text import refuse_control

    with pytest.raises(ValidationFailed) as exc:
        refuse_control({"name": f"a{value}b", "notes": "fine\ttext\r\n"})
    assert list(exc.value.fields) == ["name"]


def test_an_area_sheet_with_a_control_character_in_a_name_is_reported(users, county):
    from fangkong.areas.services import AreaImportFailed, import_areas

    body = "code,name,kind,parent_code\n500242101001001,一\x07组,group,500242101001\n"
    with pytest.raises(AreaImportFailed) as exc:
        import_areas(io.BytesIO(body.encode()), by=users["county"])
    assert [(e.row, e.field) for e in exc.value.rows] == [(2, "name")]
    assert "U+0007" in exc.value.rows[0].message
