"""Import the grid from an .xlsx or .csv sheet: code, name, kind, parent code.

Every row is checked first; one bad row means nothing is written, and the error lists every
bad row with its number, field and reason. Parents may come from the database or from any
row of the same sheet; rows are written parents first, with their tree paths computed here
and inserted in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.areas.choices import KIND_ALIASES, AreaKind
from fangkong.areas.models import Area
from fangkong.areas.selectors import areas_for
from fangkong.areas.services.tree import (
    code_error,
    last_step,
    level_error,
    name_error,
    steps_to_path,
)
from fangkong.areas.sheet import read_table
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require

COLUMNS = ("code", "name", "kind", "parent_code")
HEADER_ALIASES = {
    "code": "code",
    "编码": "code",
    "代码": "code",
    "区划代码": "code",
    "name": "name",
    "名称": "name",
    "kind": "kind",
    "type": "kind",
    "类型": "kind",
    "parent_code": "parent_code",
    "parentcode": "parent_code",
    "parent": "parent_code",
    "上级编码": "parent_code",
    "上级代码": "parent_code",
}
COLUMN_LABELS = {
    "code": gettext_lazy("code (编码)"),
    "name": gettext_lazy("name (名称)"),
    "kind": gettext_lazy("kind (类型)"),
    "parent_code": gettext_lazy("parent code (上级编码)"),
}
MAX_ROWS = 200_000


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet row number (the header is row 1)
    field: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)d, %(field)s: %(message)s") % {
            "row": self.row,
            "field": self.field,
            "message": self.message,
        }


class AreaImportFailed(ValidationFailed):
    """The sheet has bad rows; nothing was imported. ``rows`` lists every problem."""

    def __init__(self, rows: list[RowError]):
        fields: dict[str, list[Any]] = {}
        for e in rows:
            fields.setdefault(f"row {e.row}: {e.field}", []).append(e.message)
        super().__init__(
            _("%(n)d problem(s) in the sheet; nothing was imported.") % {"n": len(rows)},
            fields=fields,
        )
        self.rows = rows


@dataclass
class ImportResult:
    created: int
    roots: int


@dataclass
class _Row:
    number: int
    code: str
    name: str
    kind: str
    parent_code: str


def _header(cells: list[str]) -> dict[str, int]:
    seen: dict[str, int] = {}
    unknown: list[str] = []
    for i, raw in enumerate(cells):
        key = "".join(raw.lower().split()).replace("-", "_")
        if not key:
            continue
        col = HEADER_ALIASES.get(key) or HEADER_ALIASES.get(key.replace("_", ""))
        if col is None:
            unknown.append(raw)
        elif col not in seen:
            seen[col] = i
    missing = [str(COLUMN_LABELS[c]) for c in COLUMNS if c not in seen]
    errors: dict[str, list[str]] = {}
    if missing:
        errors["file"] = [_("Missing column(s): %(cols)s.") % {"cols": ", ".join(missing)}]
    if unknown:
        errors.setdefault("file", []).append(
            _("Unknown column(s): %(cols)s.") % {"cols": ", ".join(unknown)}
        )
    if errors:
        raise ValidationFailed(_("The sheet's columns are not right."), fields=errors)
    return seen


def _kind(value: str) -> str | None:
    v = value.strip()
    if v.lower() in AreaKind.values:
        return v.lower()
    if v in KIND_ALIASES:
        return KIND_ALIASES[v]
    for k in AreaKind:
        if v == str(k.label):
            return k.value
    return None


def parse_rows(table: list[list[str]]) -> list[_Row]:
    if not table:
        raise ValidationFailed(_("The sheet is empty."), field="file")
    cols = _header(table[0])
    rows: list[_Row] = []
    for n, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue

        def get(col: str, cells: list[str] = cells) -> str:
            i = cols[col]
            return cells[i] if i < len(cells) else ""

        rows.append(_Row(n, get("code"), get("name"), get("kind"), get("parent_code")))
    if not rows:
        raise ValidationFailed(_("The sheet has no rows below its header."), field="file")
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(_("At most %(n)d rows per sheet.") % {"n": MAX_ROWS}, field="file")
    return rows


def validate_rows(rows: list[_Row], user: Actor) -> tuple[list[RowError], dict[str, Area]]:
    """Every problem of every row, and the existing parents the rows refer to."""
    errors: list[RowError] = []
    first_row: dict[str, int] = {}
    kinds: dict[str, str | None] = {}
    for r in rows:
        if err := code_error(r.code):
            errors.append(RowError(r.number, "code", err))
        elif r.code in first_row:
            errors.append(
                RowError(
                    r.number,
                    "code",
                    _("Duplicate code %(c)s (first in row %(r)d).")
                    % {"c": r.code, "r": first_row[r.code]},
                )
            )
        else:
            first_row[r.code] = r.number
        if err := name_error(r.name):
            errors.append(RowError(r.number, "name", err))
        kind = _kind(r.kind) if r.kind else None
        if not r.kind:
            errors.append(RowError(r.number, "kind", _("A kind is required.")))
        elif kind is None:
            errors.append(RowError(r.number, "kind", _("Unknown kind %(k)s.") % {"k": r.kind}))
        r.kind = kind or ""
        kinds.setdefault(r.code, kind)
    codes = [r.code for r in rows if r.code]
    taken = set(Area.objects.filter(code__in=codes).values_list("code", flat=True))
    for r in rows:
        if r.code in taken:
            errors.append(
                RowError(r.number, "code", _("The code %(c)s already exists.") % {"c": r.code})
            )
    outside = {r.parent_code for r in rows if r.parent_code and r.parent_code not in first_row}
    # Only parents within the user's areas exist for this import.
    parents = {a.code: a for a in areas_for(user).filter(code__in=outside)}
    by_code = {r.code: r for r in rows if first_row.get(r.code) == r.number}
    cycles = _cycles(rows, by_code)
    errors.extend(cycles)
    in_cycle = {e.row for e in cycles}
    for r in rows:
        if not r.parent_code:
            if r.kind and (err := level_error(r.kind, None)):
                errors.append(RowError(r.number, "parent_code", err))
            continue
        if r.parent_code == r.code:
            errors.append(
                RowError(r.number, "parent_code", _("An area cannot be its own parent (a cycle)."))
            )
            continue
        if r.parent_code in by_code:
            parent_kind = kinds.get(r.parent_code)
        elif r.parent_code in parents:
            parent_kind = parents[r.parent_code].kind
        else:
            errors.append(
                RowError(
                    r.number,
                    "parent_code",
                    _("The parent code %(c)s exists neither in the grid nor in this sheet.")
                    % {"c": r.parent_code},
                )
            )
            continue
        if r.number in in_cycle:
            continue  # levels mean nothing in a cycle
        if r.kind and parent_kind and (err := level_error(r.kind, parent_kind)):
            errors.append(RowError(r.number, "kind", err))
    errors.sort(key=lambda e: (e.row, e.field))
    return errors, parents


def _cycles(rows: list[_Row], by_code: dict[str, _Row]) -> list[RowError]:
    """Rows whose chain of parents within the sheet comes back to them."""
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    in_cycle: set[str] = set()
    for start in by_code:
        walk: list[str] = []
        code: str | None = start
        while code in by_code and code not in state:
            state[code] = 1
            walk.append(code)
            parent = by_code[code].parent_code
            code = parent if parent and parent != code else None
        if code in by_code and state.get(code) == 1:
            in_cycle.update(walk[walk.index(code) :])
        for c in walk:
            state[c] = 2
    return [
        RowError(
            by_code[c].number,
            "parent_code",
            _("The parent codes of rows %(rows)s form a cycle.")
            % {"rows": ", ".join(str(by_code[x].number) for x in sorted(in_cycle))},
        )
        for c in sorted(in_cycle, key=lambda c: by_code[c].number)
    ]


@transaction.atomic
def import_areas(file: Any, *, by: Actor) -> ImportResult:
    """Add every row of the sheet to the grid, or nothing (``AreaImportFailed``)."""
    require(by, "area.manage")
    rows = parse_rows(read_table(file))
    errors, parents = validate_rows(rows, by)
    if errors:
        raise AreaImportFailed(errors)
    children: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        children[r.parent_code].append(r)
    for siblings in children.values():
        siblings.sort(key=lambda r: r.code)
    new: list[Area] = []
    # Roots: after the existing roots.
    root_step = last_step("", 0)
    queue: list[tuple[str, int, list[_Row]]] = []
    for i, r in enumerate(children.get("", []), start=root_step + 1):
        queue.append((steps_to_path("", i), 1, [r]))
    for code, parent in parents.items():
        start = last_step(parent.path, parent.depth)
        for i, r in enumerate(children.get(code, []), start=start + 1):
            queue.append((steps_to_path(parent.path, i), parent.depth + 1, [r]))
    while queue:
        path, depth, (r,) = queue.pop()
        kids = children.get(r.code, [])
        new.append(
            Area(code=r.code, name=r.name, kind=r.kind, path=path, depth=depth, numchild=len(kids))
        )
        for i, kid in enumerate(kids, start=1):
            queue.append((steps_to_path(path, i), depth + 1, [kid]))
    Area.objects.bulk_create(new, batch_size=2000)
    for code, parent in parents.items():
        Area.objects.filter(pk=parent.pk).update(
            numchild=F("numchild") + len(children.get(code, []))
        )
    audit.record_many_created(new, by=by, detail="area import")
    audit.record(
        audit.Action.IMPORT,
        by=by,
        object_type="areas.area",
        object_repr=_("Area import"),
        detail=f"{len(new)} areas",
    )
    return ImportResult(created=len(new), roots=len(children.get("", [])))
