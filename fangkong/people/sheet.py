"""The person sheet (人员导入模板): its Chinese headers and how each cell is read and checked.

Pure functions over cell values; the import service does the database work."""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Font
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHARED_STRINGS
from openpyxl.xml.functions import iterparse

from fangkong.core.errors import ValidationFailed
from fangkong.core.text import control_message
from fangkong.people.choices import DocType, Sex
from fangkong.people.services.persons import PersonData, clean_person_data

# (header, key, required column)
COLUMNS: list[tuple[str, str, bool]] = [
    ("姓名", "name", True),
    ("证件类型", "doc_type", False),
    ("证件号码", "id_number", True),
    ("性别", "sex", False),
    ("出生日期", "birth_date", False),
    ("手机号码", "phone", False),
    ("所属区域编码", "area_code", True),
    ("地址", "address", False),
    ("楼层", "floor", False),
    ("重点人员类别", "categories", False),
    ("备注", "notes", False),
]
HEADERS = [c[0] for c in COLUMNS]
KEY_OF = {c[0]: c[1] for c in COLUMNS}
HEADER_OF = {c[1]: c[0] for c in COLUMNS}
ALIASES = {
    "身份证号": "证件号码",
    "身份证号码": "证件号码",
    "手机号": "手机号码",
    "联系电话": "手机号码",
    "区域编码": "所属区域编码",
    "重点人员": "重点人员类别",
    "住址": "地址",
}
DOC_TYPES = {
    "居民身份证": DocType.RESIDENT_ID,
    "身份证": DocType.RESIDENT_ID,
    "护照": DocType.PASSPORT,
    "港澳居民来往内地通行证": DocType.HK_MACAO,
    "回乡证": DocType.HK_MACAO,
    "台湾居民来往大陆通行证": DocType.TAIWAN,
    "台胞证": DocType.TAIWAN,
    "外国人永久居留身份证": DocType.FOREIGN_PERMANENT,
    "其他": DocType.OTHER,
    **{v: v for v in DocType.values},
}
SEXES = {"男": Sex.MALE, "女": Sex.FEMALE, "未知": "", "M": Sex.MALE, "F": Sex.FEMALE}
SEXES.update({k.lower(): v for k, v in list(SEXES.items())})
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*[-/.月]?\s*(\d{1,2})\s*日?$")
_SPLIT_RE = re.compile(r"[,，、;；\s]+")
MAX_ROWS = 200_000


class SheetError(ValidationFailed):
    """The file as a whole cannot be read: not a spreadsheet, missing or unknown columns."""


@dataclass
class Row:
    number: int  # the row number as Excel shows it
    person: dict[str, Any] = field(default_factory=dict)
    area_id: int | None = None
    address: str = ""
    floor: int | None = None
    category_ids: list[int] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def error(self, key: str, message: str) -> None:
        self.errors.append((HEADER_OF.get(key, key), str(message)))


class Sheet:
    """The first worksheet of a workbook, read as values in one pass.

    openpyxl reads the workbook's parts (shared strings, styles, date system, which part is
    the first sheet); the sheet's cells are read here in a tight loop, which is about three
    times faster than openpyxl's read-only worksheet (no cell objects, no coordinate
    parsing per cell, no separate pass to find the sheet's size when a file does not state
    it). Values are what openpyxl gives with ``data_only=True``: numbers as int or float,
    date-formatted numbers as datetimes, shared and inline strings, booleans, the cached
    value of a formula."""

    def __init__(self, content: bytes):
        reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True)
        self.archive = reader.archive
        reader.read_manifest()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        wb = reader.wb
        self.strings: list[str] = []
        part = reader.package.find(SHARED_STRINGS)
        if part is not None:
            with reader.archive.open(part.PartName[1:]) as src:
                for _event, el in iterparse(src):
                    if el.tag == _SI_TAG:
                        # as openpyxl's read_string_table
                        self.strings.append(_text_of(el).replace("x005F_", ""))
                        el.clear()
        self.epoch = wb.epoch
        self.date_formats = wb._date_formats
        self.timedelta_formats = wb._timedelta_formats
        self.path = next(
            (
                rel.target
                for _sheet, rel in reader.parser.find_sheets()
                if rel.target in reader.valid_files and "chartsheet" not in rel.Type
            ),
            None,
        )
        self.columns: dict[int, str] = {}

    def close(self) -> None:
        self.archive.close()

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _cell(self, c: Any) -> Any:
        kind = c.get("t", "n")
        if kind == "inlineStr":
            child = c.find(_INLINE_TAG)
            return _text_of(child) if child is not None else None
        value = c.findtext(_VALUE_TAG) or None
        if value is None:
            return None
        if kind == "s":
            return self.strings[int(value)]
        if kind == "n":
            number = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
            style = c.get("s")
            if style and int(style) in self.date_formats:
                try:
                    return from_excel(
                        number, self.epoch, timedelta=int(style) in self.timedelta_formats
                    )
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "b":
            return bool(int(value))
        if kind == "d":
            return from_ISO8601(value)
        return value  # "str" (a formula's cached text), "e" (an error such as #N/A)

    def rows(self) -> Generator[tuple[int, tuple[Any, ...]], None, None]:
        """(row number as Excel shows it, the row's values by column index from 0)."""
        if self.path is None:
            return
        number = 0
        with self.archive.open(self.path) as src:
            for _event, el in iterparse(src):
                if el.tag != _ROW_TAG:
                    continue
                r = el.get("r")
                number = int(r) if r else number + 1
                values: list[Any] = []
                col = 0
                for c in el:
                    if c.tag != _CELL_TAG:
                        continue
                    ref = c.get("r")
                    col = _column_of(ref) if ref else col + 1
                    value = self._cell(c)
                    if value is not None:
                        if col > len(values):
                            values.extend([None] * (col - len(values)))
                        values[col - 1] = value
                el.clear()
                yield number, tuple(values)


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW_TAG, _CELL_TAG, _VALUE_TAG, _INLINE_TAG = (_NS + t for t in ("row", "c", "v", "is"))
_SI_TAG, _T_TAG, _RUN_TAG = (_NS + t for t in ("si", "t", "r"))


def _text_of(el: Any) -> str:
    """A string item (``<si>`` or ``<is>``) without its formatting and phonetic runs: what
    openpyxl's ``Text.content`` gives, without building its objects."""
    parts = []
    for node in el:
        if node.tag == _T_TAG:
            parts.append(node.text or "")
        elif node.tag == _RUN_TAG:
            t = node.find(_T_TAG)
            if t is not None:
                parts.append(t.text or "")
    return "".join(parts)


_COLUMN_RE = re.compile(r"[A-Z]+")


@functools.lru_cache(maxsize=4096)
def _column_of(ref: str) -> int:
    """``"C12"`` -> 3."""
    m = _COLUMN_RE.match(ref)
    return column_index_from_string(m[0]) if m else 0


def open_sheet(content: bytes) -> Sheet:
    """The first worksheet and its column map (``Sheet.columns``, from the first row);
    SheetError when the file is not a workbook or its columns are wrong. Close it after use."""
    if not content or not zipfile.is_zipfile(io.BytesIO(content)):
        raise SheetError(_("The file is not an Excel workbook (.xlsx)."), field="file")
    try:
        book = Sheet(content)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same error
        raise SheetError(_("The file is not an Excel workbook (.xlsx)."), field="file") from exc
    if book.path is None:
        book.close()
        raise SheetError(_("The workbook has no sheet."), field="file")
    try:
        rows = book.rows()
        number, header = next(rows, (0, ()))
        rows.close()  # only the first row: the rest is read by the import
        book.columns = column_map(header if number == 1 else ())
    except SheetError:
        book.close()
        raise
    except Exception as exc:  # noqa: BLE001 - broken sheet XML is the same error
        book.close()
        raise SheetError(_("The file is not an Excel workbook (.xlsx)."), field="file") from exc
    return book


def data_rows(book: Sheet) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The rows below the header that hold anything, with their Excel row numbers;
    SheetError when the sheet turns out to be broken part way."""
    try:
        for number, values in book.rows():
            if number > 1 and any(v is not None and v != "" for v in values):
                yield number, values
    except (ParseError, zipfile.BadZipFile, ValueError, IndexError, EOFError) as exc:
        raise SheetError(_("The file is not an Excel workbook (.xlsx)."), field="file") from exc


def column_map(header: tuple[Any, ...]) -> dict[int, str]:
    """Column index -> key; SheetError naming missing and unknown columns."""
    found: dict[int, str] = {}
    unknown = []
    for i, cell in enumerate(header):
        name = re.sub(r"[\s*＊]|（必填）|\(必填\)", "", str(cell or ""))
        if not name:
            continue
        name = ALIASES.get(name, name)
        if name in KEY_OF:
            found[i] = KEY_OF[name]
        else:
            unknown.append(str(cell))
    missing = [h for h, key, req in COLUMNS if req and key not in found.values()]
    errors: dict[str, list[str]] = {}
    if missing:
        errors["file"] = [_("Missing columns: %(c)s.") % {"c": "、".join(missing)}]
    if unknown:
        errors.setdefault("file", []).append(
            _("Unknown columns: %(c)s (the template's columns are: %(all)s).")
            % {"c": "、".join(unknown), "all": "、".join(HEADERS)}
        )
    dup = {k for k in found.values() if list(found.values()).count(k) > 1}
    if dup:
        errors.setdefault("file", []).append(
            _("Columns given twice: %(c)s.") % {"c": "、".join(HEADER_OF[k] for k in dup)}
        )
    if errors:
        raise SheetError(" ".join(errors["file"]), field="file")
    return found


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(row: Row, value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    m = _DATE_RE.match(_text(value))
    if not m:
        row.error("birth_date", _("Not a date; write it as 1990-01-31."))
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        row.error("birth_date", _("The date %(d)s does not exist.") % {"d": _text(value)})
        return None


def read_row(number: int, cells: tuple[Any, ...], columns: dict[int, str], ctx: Any) -> Row:
    """One data row checked: ``ctx`` gives ``areas`` (code -> id, the user's only) and
    ``categories`` (code or name -> id)."""
    row = Row(number=number)
    raw = {key: (cells[i] if i < len(cells) else None) for i, key in columns.items()}
    id_cell = raw.get("id_number")
    if isinstance(id_cell, float) and abs(id_cell) >= 1e15:
        row.error(
            "id_number",
            _("Excel stored the number as a figure and lost digits; format the column as text."),
        )
        id_cell = ""
    doc_text = _text(raw.get("doc_type"))
    doc_type = DOC_TYPES.get(doc_text, DOC_TYPES.get(doc_text.lower())) if doc_text else None
    if doc_text and doc_type is None:
        row.error("doc_type", _("Unknown document type %(t)s.") % {"t": doc_text})
    sex_text = _text(raw.get("sex"))
    sex = SEXES.get(sex_text, SEXES.get(sex_text.lower())) if sex_text else ""
    if sex is None:
        row.error("sex", _("Write 男 or 女."))
        sex = ""
    data = PersonData(
        name=_text(raw.get("name")),
        doc_type=doc_type or DocType.RESIDENT_ID,
        id_number=_text(id_cell),
        sex=sex,
        birth_date=_date(row, raw.get("birth_date")),
        phone=_text(raw.get("phone")),
        notes=_text(raw.get("notes")),
    )
    try:
        row.person = clean_person_data(data)
    except ValidationFailed as exc:
        for key, messages in exc.fields.items():
            for m in messages:
                row.error(key, m)
    code = _text(raw.get("area_code"))
    if not code:
        row.error("area_code", _("An area code is required."))
    else:
        row.area_id = ctx.areas.get(code)
        if row.area_id is None:
            row.error("area_code", _("No area with code %(c)s within your areas.") % {"c": code})
    row.address = _text(raw.get("address"))[:200]
    if message := control_message(row.address):
        row.error("address", message)
    floor = _text(raw.get("floor"))
    if floor:
        try:
            row.floor = int(floor.removesuffix("层").removesuffix("楼"))
        except ValueError:
            row.error("floor", _("A floor is a whole number."))
        else:
            if not -5 <= row.floor <= 200:
                row.error("floor", _("A floor lies between -5 and 200."))
    for item in _SPLIT_RE.split(_text(raw.get("categories"))):
        if not item:
            continue
        cid = ctx.categories.get(item) or ctx.categories.get(item.lower())
        if cid is None:
            row.error("categories", _("Unknown key category %(c)s.") % {"c": item})
        elif cid not in row.category_ids:
            row.category_ids.append(cid)
    return row


def template_workbook() -> io.BytesIO:
    """The empty sheet with its headers, and a second sheet explaining each column."""
    wb = Workbook()
    ws = wb.active
    ws.title = "人员"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.number_format = "@"
    for col in "ABCDEFGHIJK":
        ws.column_dimensions[col].width = 18
        ws.column_dimensions[col].number_format = "@"
    notes = wb.create_sheet("说明")
    notes.append(["列", "必填", "说明"])
    explain = {
        "姓名": "必填。",
        "证件类型": "居民身份证（默认）、护照、港澳居民来往内地通行证、台湾居民来往大陆通行证、外国人永久居留身份证、其他。",
        "证件号码": "请把本列设为文本格式。居民身份证校验校验码与出生日期；同一证件号码已登记的人员不会重复新增。",
        "性别": "男或女；居民身份证可留空，由证件号码得出，填写时须与号码一致。",
        "出生日期": "如 1990-01-31；居民身份证可留空，填写时须与号码一致。",
        "手机号码": "11位大陆手机号码，或带区号的固定电话。",
        "所属区域编码": "必填。本人所在网格（村/社区/组/小区/楼栋）的编码，须在您管辖的区域内。",
        "地址": "家庭住址；同一区域、同一地址、同一楼层的人员归为一户。",
        "楼层": "整数，可留空。",
        "重点人员类别": "类别编码或名称，多个用顿号分隔，如 kc01、入境人员。",
        "备注": "",
    }
    for h, _key, req in COLUMNS:
        notes.append([h, "是" if req else "", explain.get(h, "")])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out
