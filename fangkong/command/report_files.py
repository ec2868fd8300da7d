"""The daily report's files: a PDF (reportlab, a Chinese font embedded) and an Excel
workbook with Chinese headers (openpyxl), both from the figures as archived (the
``Picture.as_dict()`` of the day), so the files say what the page said.

ReportLab embeds TrueType outlines only, and Debian's Noto CJK (fonts-noto-cjk, installed
by ``scripts/system-deps.sh``) is OpenType/CFF: the font is cut down to the characters the
report uses and its outlines converted to TrueType with fontTools, in memory, per build
(well under a second).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from fangkong.core.export import _cell

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
SUBFONT = "Noto Sans CJK SC"
PDF_COLUMNS = 8  # figures per table of the PDF's township section


def font_path() -> Path:
    """The CJK font file: the setting ``FANGKONG_REPORT_FONT`` or Debian's Noto CJK."""
    configured = getattr(settings, "FANGKONG_REPORT_FONT", "")
    for p in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if p and Path(p).is_file():
            return Path(p)
    raise ImproperlyConfigured(
        "No Chinese font for the daily report: install fonts-noto-cjk "
        "(scripts/system-deps.sh) or set FANGKONG_REPORT_FONT to a .ttc/.otf/.ttf file."
    )


def truetype_subset(path: Path, text: str) -> io.BytesIO:
    """The font at ``path`` (the Simplified Chinese face of a collection) cut down to the
    characters of ``text``, with TrueType outlines, as a file in memory."""
    from fontTools import subset  # type: ignore[import-untyped]
    from fontTools.pens.cu2quPen import Cu2QuPen  # type: ignore[import-untyped]
    from fontTools.pens.ttGlyphPen import TTGlyphPen  # type: ignore[import-untyped]
    from fontTools.ttLib import TTCollection, TTFont, newTable  # type: ignore[import-untyped]

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # it logs every table it cuts
    if path.suffix.lower() == ".ttc":
        fonts = TTCollection(str(path), lazy=True).fonts
        font = next((f for f in fonts if f["name"].getDebugName(1) == SUBFONT), fonts[0])
    else:
        font = TTFont(str(path), lazy=True)
    opts = subset.Options()
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    opts.desubroutinize = True
    opts.layout_features = []
    opts.hinting = False
    sub = subset.Subsetter(opts)
    sub.populate(text=text + "0123456789.-%—:/() ")
    sub.subset(font)
    if "CFF " in font:
        order = font.getGlyphOrder()
        glyphs = font.getGlyphSet()
        glyf = newTable("glyf")
        glyf.glyphOrder, glyf.glyphs = order, {}
        for name in order:
            pen = TTGlyphPen(glyphs)
            glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyf.glyphs[name] = pen.glyph()
        font["glyf"], font["loca"] = glyf, newTable("loca")
        del font["CFF "]
        if "VORG" in font:
            del font["VORG"]
        font.sfntVersion = "\x00\x01\x00\x00"
        maxp = font["maxp"]
        maxp.tableVersion = 0x00010000
        for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                     "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                     "maxComponentElements", "maxPoints", "maxContours",
                     "maxCompositePoints", "maxCompositeContours", "maxComponentDepth"):  # fmt: skip
            setattr(maxp, attr, 0)
        maxp.maxZones = 1
        font["head"].indexToLocFormat = 0
        font["head"].glyphDataFormat = 0
        post = font["post"]
        post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    out = io.BytesIO()
    font.save(out)
    out.seek(0)
    return out


def _texts(data: dict[str, Any], extra: Iterable[str]) -> str:
    parts = list(extra)
    for s in data["sections"]:
        parts.append(s["label"])
        for f in s["figures"]:
            parts += [f["label"], f["unit"], f["note"], str(f["value"])]
    parts += list(data["townships"].values())
    for c in data["charts"]:
        parts.append(c["label"])
        parts += [d["label"] for d in c["datasets"]]
    return "".join(set("".join(parts)))


def _value(v: Any) -> str:
    return "—" if v is None else str(v)


def build_pdf(data: dict[str, Any], *, title: str, subtitle: str, words: dict[str, str],
              changes: list[dict[str, Any]]) -> bytes:  # fmt: skip
    """The report as PDF: a heading, a table per section, the charts, the townships'
    table, what changed from the previous version."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart  # type: ignore[import-untyped]
    from reportlab.graphics.charts.legends import Legend  # type: ignore[import-untyped]
    from reportlab.graphics.charts.linecharts import HorizontalLineChart  # type: ignore[import-untyped]
    from reportlab.graphics.shapes import Drawing, String  # type: ignore[import-untyped]
    from reportlab.lib import colors  # type: ignore[import-untyped]
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
    from reportlab.lib.units import mm  # type: ignore[import-untyped]
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle  # type: ignore[import-untyped]

    text = _texts(data, [title, subtitle, *words.values()] +
                  [str(c.get("label", "")) for c in changes])  # fmt: skip
    font_name = "FangkongCJK"
    pdfmetrics.registerFont(TTFont(font_name, truetype_subset(font_path(), text)))
    h1 = ParagraphStyle("h1", fontName=font_name, fontSize=18, leading=24, spaceAfter=4)
    h2 = ParagraphStyle("h2", fontName=font_name, fontSize=13, leading=18, spaceBefore=8,
                        spaceAfter=4)  # fmt: skip
    body = ParagraphStyle("body", fontName=font_name, fontSize=9, leading=12)
    grid = TableStyle([
        ("FONT", (0, 0), (-1, -1), font_name, 8),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ])  # fmt: skip
    palette = [colors.HexColor(c) for c in ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                            "#9467bd", "#8c564b")]  # fmt: skip
    story: list[Any] = [Paragraph(title, h1), Paragraph(subtitle, body), Spacer(1, 4 * mm)]
    for s in data["sections"]:
        story.append(Paragraph(s["label"], h2))
        rows = [[words["figure"], words["value"], words["unit"]]]
        rows += [[Paragraph(f["label"], body), _value(f["value"]), f["unit"]]
                 for f in s["figures"]]  # fmt: skip
        t = Table(rows, colWidths=[100 * mm, 35 * mm, 30 * mm])
        t.setStyle(grid)
        story.append(t)
    for c in data["charts"]:
        story.append(Paragraph(c["label"], h2))
        d = Drawing(170 * mm, 62 * mm)
        bars = [x for x in c["datasets"] if x["type"] == "bar"]
        lines = [x for x in c["datasets"] if x["type"] != "bar"]
        labels = [lab[5:] if i % 5 == 0 else "" for i, lab in enumerate(c["labels"])]
        for kind, sets in (("bar", bars), ("line", lines)):
            if not sets:
                continue
            chart: Any = VerticalBarChart() if kind == "bar" else HorizontalLineChart()
            chart.x, chart.y, chart.width, chart.height = 12 * mm, 16 * mm, 150 * mm, 42 * mm
            chart.data = [[v or 0 for v in x["data"]] for x in sets]
            chart.categoryAxis.categoryNames = labels
            chart.categoryAxis.labels.fontName = font_name
            chart.categoryAxis.labels.fontSize = 6
            chart.valueAxis.labels.fontSize = 6
            chart.valueAxis.valueMin = 0
            top = max([max(r) for r in chart.data if r] + [1])
            chart.valueAxis.valueMax = top * 1.1
            if kind == "bar":
                if any(x["stack"] for x in sets):
                    chart.categoryAxis.style = "stacked"
                for i in range(len(sets)):
                    chart.bars[i].fillColor = palette[i % len(palette)]
                    chart.bars[i].strokeColor = None
            else:
                for i in range(len(sets)):
                    chart.lines[i].strokeColor = palette[(i + len(bars)) % len(palette)]
            d.add(chart)
        legend = Legend()
        legend.x, legend.y = 12 * mm, 6 * mm
        legend.fontName, legend.fontSize = font_name, 7
        legend.alignment, legend.columnMaximum = "right", 1
        legend.colorNamePairs = [(palette[i % len(palette)], x["label"])
                                 for i, x in enumerate(bars + lines)]  # fmt: skip
        d.add(legend)
        if not c["datasets"]:
            d.add(String(10, 10, "—", fontName=font_name))
        story.append(d)
    cols = [(f["key"], f["label"]) for s in data["sections"] for f in s["figures"]
            if f["by_township"] is not None]  # fmt: skip
    if data["townships"] and cols:
        story.append(Paragraph(words["by_township"], h2))
        values = {f["key"]: f["by_township"] for s in data["sections"] for f in s["figures"]}
        # at most PDF_COLUMNS figures a table (the township repeated on each): a table of
        # every figure side by side left a column narrower than its own padding
        for start in range(0, len(cols), PDF_COLUMNS):
            part = cols[start : start + PDF_COLUMNS]
            head = [Paragraph(words["township"], body)] + [Paragraph(lab, body) for _k, lab in part]
            rows = [head] + [
                [name] + [_value(values[k].get(path, 0)) for k, _l in part]
                for path, name in data["townships"].items()
            ]
            width = (170 * mm - 28 * mm) / PDF_COLUMNS
            t = Table(rows, colWidths=[28 * mm] + [width] * len(part), repeatRows=1)
            t.setStyle(grid)
            story.append(t)
            story.append(Spacer(1, 4 * mm))
    if changes:
        story.append(Paragraph(words["changes"], h2))
        rows = [[words["figure"], words["before"], words["after"]]] + [
            [Paragraph(c["label"], body), _value(c["before"]), _value(c["after"])] for c in changes
        ]
        t = Table(rows, colWidths=[100 * mm, 35 * mm, 35 * mm])
        t.setStyle(grid)
        story.append(t)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=18 * mm,
                            rightMargin=18 * mm, topMargin=15 * mm, bottomMargin=15 * mm)  # fmt: skip
    doc.build(story)
    return out.getvalue()


def build_xlsx(data: dict[str, Any], *, words: dict[str, str],
               changes: list[dict[str, Any]]) -> bytes:  # fmt: skip
    """The report as a workbook: the figures, the townships' table, the charts' series,
    the changes; Chinese headers."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(ws: Any, cells: list[str]) -> None:
        row = []
        for h in cells:
            c = WriteOnlyCell(ws, value=h)
            c.font = bold
            row.append(c)
        ws.append(row)

    ws = wb.create_sheet(words["figures"][:31])
    header(ws, [words["section"], words["figure"], words["value"], words["unit"], words["note"]])
    for s in data["sections"]:
        for f in s["figures"]:
            ws.append([_cell(ws, v) for v in (s["label"], f["label"], f["value"], f["unit"],
                                              f["note"])])  # fmt: skip
    cols = [(f["key"], f["label"]) for s in data["sections"] for f in s["figures"]
            if f["by_township"] is not None]  # fmt: skip
    values = {f["key"]: f["by_township"] for s in data["sections"] for f in s["figures"]}
    ws = wb.create_sheet(words["by_township"][:31])
    header(ws, [words["township"]] + [lab for _k, lab in cols])
    for path, name in data["townships"].items():
        ws.append([_cell(ws, name)] + [values[k].get(path, 0) for k, _l in cols])
    ws = wb.create_sheet(words["series"][:31])
    for c in data["charts"]:
        header(ws, [c["label"]] + [d["label"] for d in c["datasets"]])
        for i, day in enumerate(c["labels"]):
            ws.append([day] + [d["data"][i] for d in c["datasets"]])
        ws.append([])
    ws = wb.create_sheet(words["changes"][:31])
    header(ws, [words["figure"], words["before"], words["after"]])
    for ch in changes:
        ws.append([_cell(ws, ch["label"]), ch["before"], ch["after"]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
