"""Reading a small sheet (.xlsx or .csv) into rows of strings."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed
from fangkong.core.xlsx import MB, Limits, check_workbook

# An area sheet has a few thousand rows at most.
LIMITS = Limits(unpacked=100 * MB, strings=200_000)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # codes typed as numbers in Excel
    return str(v).strip()


def read_table(file: Any) -> list[list[str]]:
    """Rows of strings from an .xlsx or .csv upload (UTF-8, UTF-8 with BOM or GBK)."""
    data = file.read() if hasattr(file, "read") else bytes(file)
    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        check_workbook(data, limits=LIMITS)  # before openpyxl reads every shared string

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError):
            raise ValidationFailed(
                _("The file is not a readable .xlsx or .csv sheet."), field="file"
            ) from None
        ws = wb.worksheets[0]
        rows = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
        wb.close()
        return rows
    if b"\x00" in data[:4096]:
        raise ValidationFailed(_("The file is not a readable .xlsx or .csv sheet."), field="file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything
        raise ValidationFailed(_("The file is not a readable .xlsx or .csv sheet."), field="file")
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
