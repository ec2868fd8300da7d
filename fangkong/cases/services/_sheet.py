"""Reading an investigator's workbook: the header found by its Chinese names (a title row
above it is fine), then each non-empty row as {key: value} with its row number."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed
from fangkong.core.xlsx import SheetReader, check_workbook, find_header

MAX_ROWS = 2000


def read_rows(
    content: bytes, headers: dict[str, tuple[str, ...]], *, required: str
) -> list[tuple[int, dict[str, Any]]]:
    """The rows of the best-matching sheet, as (row number, {key: value}); refused naming
    ``file`` when the column ``required`` is missing or the sheet is too long."""

    def key(cell: Any) -> str | None:
        text = str(cell or "").strip().lower()
        return next((k for k, names in headers.items() if text in names), None)

    check_workbook(content)
    out: list[tuple[int, dict[str, Any]]] = []
    with SheetReader(content) as book:
        header = find_header(book, lambda cells: sum(key(c) is not None for c in cells))
        columns = {i: k for i, c in enumerate(header.cells) if (k := key(c))} if header else {}
        if header is None or required not in columns.values():
            raise ValidationFailed(
                _("The sheet has no column %(name)s.") % {"name": headers[required][0]},
                field="file",
            )
        rows = book.rows(header.path)
        try:
            for number, cells in rows:
                if number <= header.number:
                    continue
                v = {k: cells[i] if i < len(cells) else None for i, k in columns.items()}
                if all(x in (None, "") for x in v.values()):
                    continue
                if len(out) >= MAX_ROWS:
                    raise ValidationFailed(_("At most %(n)d rows.") % {"n": MAX_ROWS}, field="file")
                out.append((number, v))
        finally:
            rows.close()
    if not out:
        raise ValidationFailed(_("The sheet has no data rows."), field="file")
    return out


def as_date(value: Any) -> dt.date | None:
    """A cell as a date (a date cell, or text YYYY-MM-DD / YYYY/MM/DD); ValueError else."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip().replace("/", "-"))


def as_datetime(value: Any) -> dt.datetime | None:
    """A cell as a local datetime (a datetime cell, or text YYYY-MM-DD HH:MM); ValueError
    else. Naive: the caller makes it aware in the local time zone."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(0, 0))
    return dt.datetime.fromisoformat(str(value).strip().replace("/", "-"))
