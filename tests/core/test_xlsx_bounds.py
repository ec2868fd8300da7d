"""Uploaded workbooks are checked before they are parsed: a small file that unpacks to a
huge one or declares millions of shared strings is refused at once with a clear message,
by every reader (person import, lab results, area sheet); a ledger's header row is found
below its title rows and on any sheet."""

from __future__ import annotations

import functools
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from fangkong.areas.sheet import read_table
from fangkong.core.errors import ValidationFailed
from fangkong.core.xlsx import Limits, SheetReader, check_workbook
from fangkong.people.models import ImportJob
from fangkong.people.services.imports import start_import
from fangkong.testing.services.lab import check_result_file


def _workbook(rows) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _with_strings(content: bytes, data: bytes, sheet: bytes | None = None) -> bytes:
    """``content`` with ``data`` as its shared strings part (declared in the manifest, so
    every reader finds it), deflated hard; and ``sheet`` as its first sheet if given."""
    name, sheet_name = "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            part = src.read(info)
            if info.filename == "[Content_Types].xml" and b"sharedStrings" not in part:
                override = f'<Override PartName="/{name}" ContentType="{SST_TYPE}" />'
                part = part.replace(b"</Types>", override.encode() + b"</Types>")
            if info.filename == sheet_name and sheet is not None:
                part = sheet
            if info.filename != name:
                dst.writestr(info, part)
        dst.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def _sst(n: int, declared: int | None = None) -> bytes:
    head = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main" count="{declared or n}" uniqueCount="{declared or n}">'
    ).encode()
    return head + b"<si><t>a</t></si>" * n + b"</sst>"


@functools.cache
def bomb() -> bytes:
    """Two million shared strings (34 MB of XML) in a file of a few hundred kilobytes."""
    base = _workbook([["barcode", "outcome"], ["P0000001", "negative"]])
    return _with_strings(base, _sst(2_000_000))


def test_the_bomb_is_small_on_disk():
    assert len(bomb()) < 200_000


def test_a_workbook_that_unpacks_far_beyond_its_size_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        check_workbook(bomb())
    message = exc.value.fields["file"][0]
    assert "xl/sharedStrings.xml" in message and "times its size" in message


def test_the_person_import_refuses_it_before_queuing_anything(users, login):
    resp = login(users["township_a"]).post(
        "/people/imports/new/",
        {"mode": "all", "file": SimpleUploadedFile("bomb.xlsx", bomb())},
    )
    assert resp.status_code == 422
    assert "times its size" in resp.content.decode()
    assert not ImportJob.objects.exists()


def test_the_lab_results_and_area_readers_refuse_it():
    with pytest.raises(ValidationFailed) as exc:
        check_result_file(bomb(), "results.xlsx")
    assert "times its size" in exc.value.fields["file"][0]
    with pytest.raises(ValidationFailed) as exc:
        read_table(bomb())
    assert "times its size" in exc.value.fields["file"][0]


def test_too_many_declared_shared_strings_are_refused(users):
    base = _workbook([["姓名"]])
    content = _with_strings(base, _sst(3, declared=4_000_000))
    with pytest.raises(ValidationFailed) as exc:
        start_import(by=users["township_a"], filename="x.xlsx", content=content, mode="all")
    assert exc.value.fields["file"] == [
        "The workbook holds 4000000 different texts, more than the 1000000 allowed."
    ]


def test_more_strings_than_declared_stop_at_the_limit():
    # a file may lie about its count: reading stops at the limit all the same
    content = _with_strings(_workbook([["x"]]), _sst(50, declared=1))
    limits = Limits(strings=10)
    check_workbook(content, limits=limits)
    with SheetReader(content, limits=limits) as book, pytest.raises(ValidationFailed) as exc:
        book.strings[40]
    assert "more than 10 different texts" in exc.value.fields["file"][0]


def test_too_many_parts_or_too_large_unpacked_are_refused():
    content = _workbook([["a"]])
    with pytest.raises(ValidationFailed) as exc:
        check_workbook(content, limits=Limits(entries=3))
    assert "parts, more than a spreadsheet has" in exc.value.fields["file"][0]
    with pytest.raises(ValidationFailed) as exc:
        check_workbook(content, limits=Limits(unpacked=100))
    assert "MB allowed" in exc.value.fields["file"][0]


def test_only_the_shared_strings_the_header_needs_are_read():
    cells = "".join(
        f'<row r="{r}"><c r="A{r}" t="s"><v>{r - 1}</v></c></row>' for r in range(1, 2001)
    )
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{cells}</sheetData></worksheet>"
    ).encode()
    content = _with_strings(_workbook([["x"]]), _sst(2000), sheet)
    with SheetReader(content) as book:
        first = book.rows(book.paths[0])
        assert next(first) == (1, ("a",))
        first.close()
        assert len(book.strings.items) == 1  # not 2000
        assert len(list(book.rows(book.paths[0]))) == 2000
        assert len(book.strings.items) == 2000


def test_an_ordinary_workbook_passes():
    content = _workbook([["barcode", "outcome"], ["P0000001", "negative"]])
    check_workbook(content)
    check_result_file(content, "results.xlsx")
    assert read_table(content)[1] == ["P0000001", "negative"]
