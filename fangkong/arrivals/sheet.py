"""Reading a ledger sheet (Excel, Chinese headers) as rows of named values, bounded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed
from fangkong.core.xlsx import Limits, SheetReader, check_workbook, find_header

LIMITS = Limits(unpacked=100 * 1024 * 1024, strings=500_000)
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000


def _norm(value: Any) -> str:
    return "".join(str(value or "").split())


def read_rows(
    content: bytes, columns: dict[str, tuple[str, ...]], required: set[str]
) -> Generator[tuple[int, dict[str, Any]], None, None]:
    """(Excel row number, {key: value}) of each non-empty row under the header. ``columns``
    maps each key to the header texts it may have. A missing required column refuses the
    file naming it."""
    if len(content) > MAX_BYTES:
        raise ValidationFailed(_("The file is larger than 20 MB."), field="file")
    check_workbook(content, limits=LIMITS)
    aliases = {_norm(a): key for key, names in columns.items() for a in names}

    def score(cells: tuple[Any, ...]) -> int:
        return sum(1 for c in cells if _norm(c) in aliases)

    with SheetReader(content, limits=LIMITS) as book:
        header = find_header(book, score)
        if header is None:
            raise ValidationFailed(_("The workbook is empty."), field="file")
        where = {i: aliases[_norm(c)] for i, c in enumerate(header.cells) if _norm(c) in aliases}
        missing = required - set(where.values())
        if missing:
            names = "、".join(columns[k][0] for k in sorted(missing))
            raise ValidationFailed(
                _("Columns missing from the header row: %(names)s.") % {"names": names},
                field="file",
            )
        rows = book.rows(header.path)
        try:
            count = 0
            for number, cells in rows:
                if number <= header.number:
                    continue
                values = {key: cells[i] if i < len(cells) else None for i, key in where.items()}
                if not any(v not in (None, "") for v in values.values()):
                    continue
                count += 1
                if count > MAX_ROWS:
                    raise ValidationFailed(
                        _("At most %(n)d rows in one file.") % {"n": MAX_ROWS}, field="file"
                    )
                yield number, values
        finally:
            rows.close()


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def date(value: Any) -> dt.date | None:
    """A date cell or text (2022-11-23, 2022/11/23, 2022年11月23日); None if empty;
    ValueError if not a date."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip().replace("/", "-").replace("年", "-").replace("月", "-").rstrip("日")
    return dt.date.fromisoformat("-".join(p.zfill(2) for p in s.split("-")))
