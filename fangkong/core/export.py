"""Excel export of any list: streamed, masked by default, audited, and harmless to open.

Text is written as text: a value that starts like a formula (``=``, ``+``, ``-``, ``@``, tab,
carriage return) is stored as a string cell marked quote-prefixed, so neither Excel nor
LibreOffice evaluates it, not even after the cell is edited. Control characters, which
openpyxl refuses (one bad name would make every export fail), are dropped."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from fangkong.core.text import strip_control

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return strip_control(value)
    if isinstance(value, int | float | bool):
        return value
    if hasattr(value, "isoformat"):
        if getattr(value, "tzinfo", None) is not None:
            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    return strip_control(str(value))


def _cell(ws: Any, value: Any) -> Any:
    """The value as written: text that starts like a formula becomes a text cell."""
    value = _plain(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1"):
    """A write-only workbook in a temporary file (constant memory at 100k+ rows)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=strip_control(str(h)))
        c.font = bold
        header_cells.append(c)
    ws.append(header_cells)
    for row in rows:
        ws.append([_cell(ws, v) for v in row])
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    wb.save(tmp)
    tmp.seek(0)
    return tmp


def xlsx_response(fileobj, filename: str) -> FileResponse:
    return FileResponse(fileobj, as_attachment=True, filename=filename, content_type=XLSX)
