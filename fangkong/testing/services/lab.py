"""检、报: results per tube by hand, from the lab's file or by API; publishing them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.db import chunks
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.core.permissions import require
from fangkong.core.xlsx import Limits, SheetReader, check_workbook
from fangkong.testing.choices import OUTCOME_ALIASES, Outcome, TubeKind, TubeState
from fangkong.testing.models import Lab, Result, Tube
from fangkong.testing.states import TubeMachine

MAX_ROWS = 100_000
# 100,000 rows of barcode, outcome and Ct: a few hundred thousand distinct texts at most
LIMITS = Limits(strings=400_000)
HEADERS = {
    "barcode": ("barcode", "tube", "条码", "管码", "样本编号"),
    "outcome": ("outcome", "result", "结果", "检测结果"),
    "ct": ("ct", "ct值", "ct values", "ct_values"),
}


def parse_outcome(value: Any) -> str | None:
    return OUTCOME_ALIASES.get(str(value or "").strip().lower())


def parse_ct(value: Any) -> dict[str, float]:
    """``"ORF1ab:32.1;N:30.5"``, ``"31.2"`` or a dict; raises ValueError."""
    if value in (None, ""):
        return {}
    if isinstance(value, dict):
        return {str(k): float(v) for k, v in value.items()}
    if isinstance(value, int | float):
        return {"ct": float(value)}
    out: dict[str, float] = {}
    for part in str(value).replace("，", ";").replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        if ":" in part:
            k, v = part.split(":", 1)
            out[k.strip()] = float(v)
        else:
            out["ct"] = float(part)
    return out


def lab_for(by: Actor, lab: Lab | None, *, field: str = "lab") -> Lab | None:
    """The lab ``by`` works at: ``lab`` when they are one of its technicians (another lab
    does not exist for them: NotFound naming ``field``), else the first of theirs; None
    when they belong to none."""
    if lab is None:
        return Lab.objects.filter(technicians=by).first()
    if not lab.technicians.filter(pk=getattr(by, "pk", None)).exists():
        raise NotFound(_("No such lab."), field=field)
    return lab


@transaction.atomic
def record_result(
    tube: Tube,
    *,
    outcome: str,
    by: Actor,
    ct_values: Any = None,
    lab: Lab | None = None,
    tested_at: dt.datetime | None = None,
) -> Result:
    """Record the lab's result for a received tube; a positive one starts its follow-up at
    once, in this transaction."""
    require(by, "testing.lab")
    tube = Tube.objects.select_for_update().get(pk=tube.pk)
    result = _record(tube, outcome, ct_values, lab_for(by, lab), tested_at, by)
    audit.record(audit.Action.CREATE, result, by=by, after=audit.snapshot(result))
    if result.outcome == Outcome.POSITIVE:
        from fangkong.testing.services.followup import follow_up_positive

        follow_up_positive(tube, by=by)
    return result


def _record(
    tube: Tube,
    outcome: str,
    ct_values: Any,
    lab: Lab | None,
    tested_at: dt.datetime | None,
    by: Actor,
) -> Result:
    if outcome not in Outcome.values:
        outcome = parse_outcome(outcome) or ""
    if not outcome:
        raise ValidationFailed(_("The outcome is negative, positive or invalid."), field="outcome")
    try:
        ct = parse_ct(ct_values)
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("Ct values are numbers, e.g. ORF1ab:32.1;N:30.5."), field="ct"
        ) from None
    if tube.state in (TubeState.TESTED, TubeState.REPORTED):
        raise Conflict(
            _("Tube %(code)s has a result already.") % {"code": tube.barcode}, field="barcode"
        )
    if tube.state != TubeState.RECEIVED:
        raise ValidationFailed(
            _("Tube %(code)s was never received at a lab: receive its box first.")
            % {"code": tube.barcode},
            field="barcode",
            code="not_received",
        )
    if lab is not None and tube.lab_id not in (None, lab.pk):
        raise ValidationFailed(
            _("Tube %(code)s was received by another lab.") % {"code": tube.barcode},
            field="barcode",
            code="other_lab",
        )
    now = tested_at or timezone.now()
    TubeMachine.move(tube, TubeState.TESTED)
    tube.tested_at = now
    tube.save(update_fields=["state", "tested_at", "updated_at"])
    return Result.objects.create(
        tube=tube, outcome=outcome, ct_values=ct, lab=lab or tube.lab, tested_at=now, created_by=by
    )


@dataclass
class ResultsReport:
    recorded: int = 0
    positives: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # row, field, message

    def as_dict(self) -> dict[str, Any]:
        return {"recorded": self.recorded, "positives": self.positives, "errors": self.errors}


def record_results(
    rows: Sequence[dict[str, Any]],
    *,
    by: Actor,
    lab: Lab | None = None,
    first_row: int = 1,
    seen: set[str] | None = None,
) -> ResultsReport:
    """Record many results (a lab file or an API batch): each row ``barcode``, ``outcome``,
    ``ct`` (and ``row``, its number, when it comes from a file). Unknown barcodes, bad
    outcomes, tubes never received and tubes already tested are reported with their row
    number and barcode; the good rows are recorded. A caller recording one file in parts
    passes the same ``seen`` set to each, so a tube repeated across parts is still caught."""
    require(by, "testing.lab")
    lab = lab_for(by, lab)
    report = ResultsReport()
    codes = [str(r.get("barcode") or "").strip() for r in rows]
    tubes = {t.barcode: t for t in Tube.objects.filter(barcode__in=[c for c in codes if c])}
    seen = set() if seen is None else seen
    with transaction.atomic():
        for i, (row, code) in enumerate(zip(rows, codes, strict=True), start=first_row):
            n = row.get("row") or i

            def bad(fld: str, msg: Any, n: int = n, code: str = code) -> None:
                report.errors.append({"row": n, "barcode": code, "field": fld, "message": str(msg)})

            if not code:
                bad("barcode", _("The barcode is empty."))
                continue
            if code in seen:
                bad("barcode", _("This tube appears twice in the file."))
                continue
            seen.add(code)
            tube = tubes.get(code)
            if tube is None:
                bad("barcode", _("Unknown tube %(code)s.") % {"code": code})
                continue
            outcome = parse_outcome(row.get("outcome"))
            if outcome is None:
                bad("outcome", _("%(v)r is not an outcome: negative, positive or invalid.")
                    % {"v": row.get("outcome")})  # fmt: skip
                continue
            try:
                with transaction.atomic():
                    result = _record(tube, outcome, row.get("ct"), lab, None, by)
                    if outcome == Outcome.POSITIVE:
                        from fangkong.testing.services.followup import follow_up_positive

                        follow_up_positive(tube, by=by)
            except (ValidationFailed, Conflict) as exc:
                fld = next(iter(exc.fields), "barcode")
                bad(fld, exc.message)
                continue
            report.recorded += 1
            if result.outcome == Outcome.POSITIVE:
                report.positives.append(code)
        if report.recorded:
            audit.record(
                audit.Action.IMPORT,
                by=by,
                object_type=Result._meta.label_lower,
                object_repr=f"results from {lab or by}",
                detail=f"{report.recorded} results, {len(report.positives)} positive, "
                f"{len(report.errors)} bad rows",
            )
    return report


def _norm(h: Any) -> str:
    return str(h or "").strip().lower()


def _open_result_table(
    content: bytes, filename: str
) -> tuple[Iterator[Sequence[Any]], dict[str, int]]:
    """The data rows of a lab's .xlsx or .csv export (an iterator past the header) and the
    index of each known column. A file that cannot be read, or lacks the barcode or outcome
    column, is refused whole, naming the column."""
    name = filename.lower()
    if name.endswith(".csv"):
        text = content.decode("utf-8-sig", errors="replace")
        table: Iterable[Sequence[Any]] = csv.reader(io.StringIO(text))
    elif name.endswith(".xlsx"):
        from openpyxl import load_workbook

        _check_xlsx(content)  # before openpyxl reads every shared string
        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds on a broken file
            raise ValidationFailed(_("This is not a readable .xlsx file."), field="file") from None
        table = wb.worksheets[0].iter_rows(values_only=True)
    else:
        raise ValidationFailed(_("Send a .xlsx or .csv file."), field="file")
    it = iter(table)
    return it, _columns(next(it, []))


def _columns(cells: Sequence[Any]) -> dict[str, int]:
    """The index of each known column in a header row; the barcode and outcome columns
    are required (ValidationFailed naming the one missing)."""
    header = [_norm(h) for h in cells]
    cols: dict[str, int] = {}
    for key, names in HEADERS.items():
        for i, h in enumerate(header):
            if h in names:
                cols[key] = i
                break
    for key in ("barcode", "outcome"):
        if key not in cols:
            raise ValidationFailed(
                _("The file has no %(col)s column (headers: barcode, outcome, ct).") % {"col": key},
                field=key,
            )
    return cols


def _check_xlsx(content: bytes) -> None:
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ValidationFailed(_("This is not a readable .xlsx file."), field="file")
    check_workbook(content, limits=LIMITS)


def check_result_file(content: bytes, filename: str) -> None:
    """Refuse at once a file that is not a readable .xlsx/.csv, too large to read safely,
    or lacking the barcode or outcome column; reads the header row only (of a workbook,
    only the shared strings it needs: the rest is the worker's)."""
    if not filename.lower().endswith(".xlsx"):
        _open_result_table(content, filename)
        return
    _check_xlsx(content)
    try:
        with SheetReader(content, limits=LIMITS) as book:
            rows = book.rows(book.paths[0]) if book.paths else iter(())
            number, header = next(rows, (0, ()))
            rows.close()  # type: ignore[attr-defined]
    except ValidationFailed:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a broken file
        raise ValidationFailed(_("This is not a readable .xlsx file."), field="file") from None
    _columns(header if number == 1 else ())


def read_result_file(content: bytes, filename: str) -> list[dict[str, Any]]:
    """Rows of a lab's .xlsx or .csv export as dicts with ``barcode``, ``outcome``, ``ct``
    and ``row``, the row's number in the sheet (headers in English or Chinese). A file
    without the barcode or outcome column is refused whole, naming the column."""
    it, cols = _open_result_table(content, filename)
    rows: list[dict[str, Any]] = []
    # row 1 is the header; blank rows are skipped but keep their place in the numbering
    for number, values in enumerate(it, start=2):
        if not any(v not in (None, "") for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise ValidationFailed(_("At most %(n)d rows a file.") % {"n": MAX_ROWS}, field="file")
        rows.append(
            {
                "barcode": str(_cell(values, cols, "barcode") or "").strip(),
                "outcome": _cell(values, cols, "outcome"),
                "ct": _cell(values, cols, "ct"),
                "row": number,
            }
        )
    return rows


def _cell(values: Sequence[Any], cols: dict[str, int], key: str) -> Any:
    i = cols.get(key)
    return values[i] if i is not None and i < len(values) else None


def publish_results(
    tubes: Iterable[Tube] | None = None, *, by: Actor, lab: Lab | None = None
) -> int:
    """Report (报) the lab's tested tubes: given ones, or all of them. A negative or
    invalid result is released to every member; a positive pool to none (they are retested
    singly); a positive single tube to its person."""
    require(by, "testing.lab")
    lab = lab_for(by, lab)
    if lab is None:
        raise ValidationFailed(_("Which lab? You belong to none; choose one."), field="lab")
    with transaction.atomic():
        # a lab reports its own tubes only
        qs = Tube.objects.select_for_update(of=("self",)).filter(state=TubeState.TESTED, lab=lab)
        if tubes is not None:
            qs = qs.filter(pk__in=[t.pk for t in tubes])
        now = timezone.now()
        todo = list(qs.select_related("result"))
        if not todo:
            if tubes is not None:
                raise ValidationFailed(
                    _("None of these tubes is tested and unreported."), field="tubes"
                )
            return 0
        hold = [
            t.pk for t in todo if t.kind == TubeKind.POOLED and t.result.outcome == Outcome.POSITIVE
        ]
        ids = [t.pk for t in todo]
        from fangkong.testing.services.retests import end_pool_control_after_negative_retests

        # a lab can report a whole day's tubes at once: id lists cut to the database's limit
        for part in chunks(ids):
            TubeMachine.bulk(
                Tube.objects.filter(pk__in=part),
                TubeState.REPORTED,
                reported_at=now,
                updated_at=now,
            )
            Result.objects.filter(tube_id__in=part).update(
                reported_at=now, released=True, updated_at=now
            )
            # a negative single-tube retest ends its person's pool-positive temporary control
            end_pool_control_after_negative_retests(part)
        for part in chunks(hold):
            Result.objects.filter(tube_id__in=part).update(released=False)
        audit.record(
            audit.Action.UPDATE,
            by=by,
            object_type=Result._meta.label_lower,
            object_repr=f"{len(ids)} results",
            after={"reported": [t.barcode for t in todo][:200], "held": len(hold)},
            detail="results published",
        )
    return len(ids)


def tube_for_result(barcode: str) -> Tube:
    tube = Tube.objects.filter(barcode=(barcode or "").strip()).first()
    if tube is None:
        raise NotFound(_("Unknown tube %(code)s.") % {"code": barcode}, field="barcode")
    return tube
