"""Reading uploaded .xlsx workbooks, bounded before anything waits on them.

An .xlsx is a zip of XML parts, and a few hundred kilobytes can unpack to gigabytes or
declare millions of shared strings (a 170 KB file with 4 million took 11.5 s and 370 MB to
open). ``check_workbook`` reads only the zip's directory and the first bytes of the shared
strings part, and refuses a workbook whose parts are too many, unpack too large or too
many times their packed size, or that declares too many shared strings, with a message
saying which. Python's zipfile also never unpacks a part past its declared size.

``SheetReader`` then reads cell values in one pass and loads shared strings lazily, only
as far as the rows read need them, so finding a header in the first rows of a workbook
costs the first rows, not the whole file; ``find_header`` picks the sheet and row whose
cells best match the expected column names, as field ledgers have them (a merged title
row or two above the header, an empty or explanatory first sheet)."""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Self

from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHARED_STRINGS
from openpyxl.xml.functions import iterparse

from fangkong.core.errors import ValidationFailed

MB = 1024 * 1024


class XlsxRefused(ValidationFailed):
    """The workbook as a whole cannot or may not be read."""


@dataclass(frozen=True)
class Limits:
    entries: int = 1000  # parts in the zip; a workbook has a few dozen
    unpacked: int = 400 * MB  # all parts unpacked
    ratio: int = 200  # unpacked / packed size of one part (larger than 1 MB unpacked)
    strings: int = 1_000_000  # shared strings declared (and read)


def _not_a_workbook(field: str) -> XlsxRefused:
    return XlsxRefused(_("The file is not an Excel workbook (.xlsx)."), field=field)


_COUNT_RE = re.compile(
    rb"<(?:\w+:)?sst\b[^>]*?\buniqueCount=\"(\d+)\"|<(?:\w+:)?sst\b[^>]*?\bcount=\"(\d+)\""
)


def check_workbook(content: bytes, *, limits: Limits = Limits(), field: str = "file") -> None:
    """Refuse (naming ``field``) a workbook too large or too odd to open safely; reads the
    zip's directory and the first 4 KB of its shared strings only."""
    if not content or not zipfile.is_zipfile(io.BytesIO(content)):
        raise _not_a_workbook(field)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            infos = zf.infolist()
            if len(infos) > limits.entries:
                raise XlsxRefused(
                    _("The workbook has %(n)d parts, more than a spreadsheet has (%(max)d).")
                    % {"n": len(infos), "max": limits.entries},
                    field=field,
                )
            total = sum(i.file_size for i in infos)
            if total > limits.unpacked:
                raise XlsxRefused(
                    _("The workbook unpacks to %(n)d MB, more than the %(max)d MB allowed.")
                    % {"n": total // MB, "max": limits.unpacked // MB},
                    field=field,
                )
            for info in infos:
                if info.file_size > MB and info.file_size > limits.ratio * max(
                    info.compress_size, 1
                ):
                    raise XlsxRefused(
                        _(
                            "The workbook's part %(part)s unpacks to %(ratio)d times its size; "
                            "a spreadsheet does not, so it is refused."
                        )
                        % {
                            "part": info.filename,
                            "ratio": info.file_size // max(info.compress_size, 1),
                        },
                        field=field,
                    )
            for info in infos:
                if info.filename.lower().endswith("sharedstrings.xml"):
                    with zf.open(info) as src:
                        m = _COUNT_RE.search(src.read(4096))
                    declared = int(m[1] or m[2]) if m else 0
                    if declared > limits.strings:
                        raise XlsxRefused(
                            _(
                                "The workbook holds %(n)d different texts, more than the "
                                "%(max)d allowed."
                            )
                            % {"n": declared, "max": limits.strings},
                            field=field,
                        )
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise _not_a_workbook(field) from exc


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


class _SharedStrings:
    """The shared strings table, parsed only as far as an index asked for, at most
    ``limit`` of them (a file may declare fewer than it holds)."""

    def __init__(self, archive: zipfile.ZipFile, part: str | None, limit: int, field: str):
        self.items: list[str] = []
        self.limit, self.field = limit, field
        self._src = archive.open(part) if part else None
        self._events = iterparse(self._src) if self._src else iter(())

    def __getitem__(self, i: int) -> str:
        while i >= len(self.items):
            if not self._next():
                raise IndexError(i)
        return self.items[i]

    def _next(self) -> bool:
        for _event, el in self._events:
            if el.tag == _SI_TAG:
                self.items.append(_text_of(el).replace("x005F_", ""))  # as openpyxl
                el.clear()
                if len(self.items) > self.limit:
                    raise XlsxRefused(
                        _("The workbook holds more than %(max)d different texts.")
                        % {"max": self.limit},
                        field=self.field,
                    )
                return True
        return False

    def close(self) -> None:
        if self._src is not None:
            self._src.close()


class SheetReader:
    """A workbook's worksheets, read as values in one pass each.

    openpyxl reads the workbook's parts (styles, date system, which parts are worksheets);
    cells are read here in a tight loop, about three times faster than openpyxl's read-only
    worksheet. Values are what openpyxl gives with ``data_only=True``: numbers as int or
    float, date-formatted numbers as datetimes, shared and inline strings, booleans, the
    cached value of a formula. Call ``check_workbook`` first; close it after use."""

    def __init__(self, content: bytes, *, limits: Limits = Limits(), field: str = "file"):
        reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True)
        self.archive = reader.archive
        reader.read_manifest()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        wb = reader.wb
        part = reader.package.find(SHARED_STRINGS)
        self.strings = _SharedStrings(
            reader.archive, part.PartName[1:] if part is not None else None, limits.strings, field
        )
        self.epoch = wb.epoch
        self.date_formats = wb._date_formats
        self.timedelta_formats = wb._timedelta_formats
        self.paths: list[str] = [
            rel.target
            for _sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]

    def close(self) -> None:
        self.strings.close()
        self.archive.close()

    def __enter__(self) -> Self:
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

    def rows(self, path: str) -> Generator[tuple[int, tuple[Any, ...]], None, None]:
        """(row number as Excel shows it, the row's values by column index from 0) of the
        worksheet at ``path``."""
        number = 0
        with self.archive.open(path) as src:
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


@dataclass
class Header:
    path: str  # the worksheet
    number: int  # its row number as Excel shows it
    cells: tuple[Any, ...]


def find_header(
    book: SheetReader, score: Callable[[tuple[Any, ...]], int], *, within: int = 20
) -> Header | None:
    """The row, among the first ``within`` rows of every worksheet, that ``score`` rates
    highest (the first one on a tie): a ledger's title rows, notes above the header or an
    empty first sheet are passed over. When no row scores above 0, the first non-empty row
    (for the caller to name what it lacks); None for a workbook without any."""
    best: Header | None = None
    best_score = 0
    fallback: Header | None = None
    for path in book.paths:
        rows = book.rows(path)
        try:
            for number, cells in rows:
                if number > within:
                    break
                if not any(v not in (None, "") for v in cells):
                    continue
                if fallback is None:
                    fallback = Header(path, number, cells)
                s = score(cells)
                if s > best_score:
                    best, best_score = Header(path, number, cells), s
        finally:
            rows.close()
    return best or fallback
