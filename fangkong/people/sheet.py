"""The person sheet (人员导入模板): its Chinese headers and how each cell is read and checked.

Pure functions over cell values; the import service does the database work."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from fangkong.core.errors import ValidationFailed
from fangkong.core.text import control_message
from fangkong.core.xlsx import Limits, SheetReader, XlsxRefused, check_workbook, find_header
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
REQUIRED = {c[1] for c in COLUMNS if c[2]}
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


# The reader's bounds: 200,000 rows hold well under a million distinct texts.
LIMITS = Limits(strings=1_000_000)
SheetError = XlsxRefused  # the file as a whole cannot be read: not a workbook, columns wrong


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


class Sheet(SheetReader):
    """The worksheet holding the ledger, its header row and its column map."""

    path: str = ""
    header_row: int = 0
    columns: dict[int, str]


def open_sheet(content: bytes) -> Sheet:
    """The ledger's sheet and its column map (``Sheet.columns``) from its header row: the
    row of any sheet, within its first 20, that names most of the template's columns (title
    rows above it and an empty first sheet are passed over). SheetError when the file is
    not a workbook, too large to read safely, or its columns are wrong. Close it after use;
    only the first rows are read here (shared strings only as far as they need)."""
    check_workbook(content, limits=LIMITS)
    try:
        book = Sheet(content, limits=LIMITS)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same error
        raise SheetError(_("The file is not an Excel workbook (.xlsx)."), field="file") from exc
    if not book.paths:
        book.close()
        raise SheetError(_("The workbook has no sheet."), field="file")
    try:
        header = find_header(book, _score)
        book.path = header.path if header else book.paths[0]
        book.header_row = header.number if header else 0
        book.columns = column_map(header.cells if header else ())
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
        for number, values in book.rows(book.path):
            if number > book.header_row and any(v is not None and v != "" for v in values):
                yield number, values
    except (ParseError, zipfile.BadZipFile, ValueError, IndexError, EOFError) as exc:
        raise SheetError(_("The file is not an Excel workbook (.xlsx)."), field="file") from exc


def _key_of(cell: Any) -> str | None:
    """The template column a header cell names (aliases and required marks allowed)."""
    name = re.sub(r"[\s*＊]|（必填）|\(必填\)", "", str(cell or ""))
    return KEY_OF.get(ALIASES.get(name, name)) if name else None


def _score(cells: tuple[Any, ...]) -> int:
    """How many different template columns a row names; a row naming every required
    column beats any that does not."""
    keys = {k for k in map(_key_of, cells) if k}
    return len(keys) + (100 if keys >= REQUIRED else 0)


def column_map(header: tuple[Any, ...]) -> dict[int, str]:
    """Column index -> key; SheetError naming missing and unknown columns."""
    found: dict[int, str] = {}
    unknown = []
    for i, cell in enumerate(header):
        key = _key_of(cell)
        if key:
            found[i] = key
        elif str(cell or "").strip():
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
