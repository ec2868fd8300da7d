"""Excel export of any list: streamed, masked by default, audited, and harmless to open.

``stream_xlsx`` writes the workbook while the rows are read: the first bytes leave within
moments of the request, however long the list, and memory stays flat. The workbook is a
plain one-sheet SpreadsheetML package (inline strings, a bold header, ISO dates) zipped by
the standard library onto the response as it goes. ``write_xlsx`` builds a small workbook
in a temporary file (error reports, templates).

Text is written as text: a value that starts like a formula (``=``, ``+``, ``-``, ``@``, tab,
carriage return) is stored as a string cell marked quote-prefixed, so neither Excel nor
LibreOffice evaluates it, not even after the cell is edited. Control characters, which
openpyxl refuses (one bad name would make every export fail), are dropped."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
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


# --- the streamed workbook ------------------------------------------------------------------
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STATIC_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    ),
    # cell styles: 0 plain, 1 bold (header), 2 date, 3 date and time, 4 text kept as text
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_NS}"><numFmts count="2">'
        '<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="5">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles></styleSheet>"
    ),
}
# day 0 of Excel's 1900 date system (after its leap-year bug); cells hold naive local times
_EPOCH = dt.datetime(1899, 12, 30)  # noqa: DTZ001


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream that keeps what was written until drained: zipfile
    then writes each member's sizes after its data, so nothing needs to be rewound."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self._chunks.append(bytes(b))
        return len(b)

    def drain(self) -> bytes:
        out, self._chunks = b"".join(self._chunks), []
        return out


def _text_cell(value: str, style: int = 0) -> str:
    space = ' xml:space="preserve"' if value != value.strip() else ""
    s = f' s="{style}"' if style else ""
    return f'<c t="inlineStr"{s}><is><t{space}>{escape(value)}</t></is></c>'


def _xml_cell(value: Any) -> str:
    value = _plain(value)
    if value == "":
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f"<c><v>{value!r}</v></c>"
    if isinstance(value, dt.datetime):
        days = (value - _EPOCH).total_seconds() / 86400
        return f'<c s="3"><v>{days:.8f}</v></c>'
    if isinstance(value, dt.date):
        return f'<c s="2"><v>{(value - _EPOCH.date()).days}</v></c>'
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return _text_cell(value, 4)
    return _text_cell(str(value))


def stream_xlsx(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1",
    flush_every: int = 500,
) -> Iterator[bytes]:  # fmt: skip
    """The workbook's bytes, yielded as the rows are read (every ``flush_every`` rows)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, xml in _STATIC_PARTS.items():
            zf.writestr(name, _HEAD + xml)
        sheet = strip_control(title)[:31] or "Sheet1"
        for bad in "[]:*?/\\":
            sheet = sheet.replace(bad, " ")
        zf.writestr(
            "xl/workbook.xml",
            _HEAD + f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
            f'<sheet name={quoteattr(sheet)} sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        yield sink.drain()
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            head = "".join(_text_cell(strip_control(str(h)), 1) for h in headers)
            part.write(f'{_HEAD}<worksheet xmlns="{_NS}"><sheetData><row>{head}</row>'.encode())
            buf: list[str] = []
            for row in rows:
                buf.append("<row>" + "".join(_xml_cell(v) for v in row) + "</row>")
                if len(buf) >= flush_every:
                    part.write("".join(buf).encode())
                    buf.clear()
                    yield sink.drain()
            part.write(("".join(buf) + "</sheetData></worksheet>").encode())
    yield sink.drain()


def xlsx_stream_response(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], filename: str, *, title: str = "Sheet1"
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream_xlsx(headers, rows, title=title), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response
