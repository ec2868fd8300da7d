"""The device batch upload: tubes and swabs taken offline, each swab with the device's
own id (``client_uuid``). A batch sent twice records once; bad rows are reported with their
index, field and reason and the good rows are kept; nothing is written twice.

Built for volume (a city's day is millions of swabs): rows are checked against sets and
dicts loaded with a few queries per chunk, and written with multi-row
``INSERT ... ON CONFLICT DO NOTHING``; one audit entry records the batch.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.core import audit
from fangkong.core.pii import blind_index
from fangkong.people.models import Person
from fangkong.testing.choices import TubeKind, TubeState
from fangkong.testing.models import ScreeningRound, TestingPoint, Tube, TubeMember
from fangkong.testing.services._common import BARCODE_RE, check_sampler
from fangkong.testing.services.sampling import ROUND_GRACE, controlled_person_ids

CHUNK = 2000
FUTURE_SLACK = dt.timedelta(minutes=10)


@dataclass
class RowProblem:
    section: str  # "tubes" or "members"
    index: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "index": self.index,
            "field": self.field,
            "message": str(self.message),
        }


@dataclass
class UploadReport:
    recorded: int = 0
    already_recorded: int = 0
    tubes_created: int = 0
    tubes_closed: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "recorded": self.recorded,
            "already_recorded": self.already_recorded,
            "tubes_created": self.tubes_created,
            "tubes_closed": self.tubes_closed,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def _get(row: Any, key: str, default: Any = None) -> Any:
    if isinstance(row, dict):
        return row.get(key, default)
    return getattr(row, key, default)


def _chunks(seq: Sequence[Any], n: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _parse_time(value: Any, tz: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        t = value
    else:
        try:
            t = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=tz)
    return t


def _insert_ignore(table: str, columns: Sequence[str], rows: list[tuple], conflict: str) -> int:
    """INSERT ... ON CONFLICT (conflict) DO NOTHING, many rows a statement; returns rows
    inserted."""
    if not rows:
        return 0
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per = max(1, min(500, 30000 // len(columns)))  # stays under either database's limit
    inserted = 0
    with connection.cursor() as cur:
        for i in range(0, len(rows), per):
            part = rows[i : i + per]
            sql = (
                f"INSERT INTO {qn(table)} ({cols}) VALUES {', '.join([one] * len(part))} "  # noqa: S608
                f"ON CONFLICT ({qn(conflict)}) DO NOTHING"
            )  # names from the model's meta, values bound
            cur.execute(sql, [v for row in part for v in row])
            inserted += max(cur.rowcount, 0)
    return inserted


class _Ctx:
    """What the checks need, loaded once per batch."""

    def __init__(self, rnd: ScreeningRound, point: TestingPoint):
        self.rnd, self.point = rnd, point
        paths = list(rnd.areas.values_list("path", flat=True))
        self.paths = tuple(paths)
        self.area_ok: dict[int, bool] = {}
        self.single_cats = set(rnd.single_categories.values_list("pk", flat=True))
        self.tz = timezone.get_current_timezone()
        self.earliest = rnd.starts_at - ROUND_GRACE
        self.latest = min(rnd.ends_at + ROUND_GRACE, timezone.now() + FUTURE_SLACK)

    def area_in_round(self, area_id: int) -> bool:
        ok = self.area_ok.get(area_id)
        if ok is None:
            path = Area.objects.filter(pk=area_id).values_list("path", flat=True).first() or ""
            ok = self.area_ok[area_id] = path.startswith(self.paths)
        return ok

    def preload_areas(self) -> None:
        from django.db.models import Q

        q = Q()
        for p in self.paths:
            q |= Q(path__startswith=p)
        for pk in Area.objects.filter(q).values_list("pk", flat=True):
            self.area_ok[pk] = True


def upload_batch(
    rnd: ScreeningRound,
    point: TestingPoint,
    *,
    tubes: Sequence[Any],
    members: Sequence[Any],
    by: Any,
) -> UploadReport:
    """Record a device's batch: ``tubes`` (barcode, kind, closed) and ``members``
    (client_uuid, tube barcode, person_id or id_number, sampled_at). Idempotent by
    ``client_uuid``; bad rows reported, good rows kept, all in one transaction."""
    check_sampler(by, point)
    report = UploadReport()
    ctx = _Ctx(rnd, point)
    ctx.preload_areas()
    with transaction.atomic():
        tube_ids, tube_open_room, closing = _tubes(ctx, tubes, members, report, by)
        rows, persons_new = _members(ctx, members, tube_ids, tube_open_room, report, by)
        cols = ("tube_id", "round_id", "person_id", "area_id", "sampled_at", "sampler_id",
                "client_uuid", "repeat")  # fmt: skip
        report.recorded = _insert_ignore(TubeMember._meta.db_table, cols, rows, "client_uuid")
        touched = set(tube_ids[b] for b in closing if b in tube_ids) | {r[0] for r in rows}
        report.tubes_closed = _refresh_tubes(
            touched, {tube_ids[b] for b in closing if b in tube_ids}
        )
        if report.recorded or report.tubes_created:
            audit.record(
                audit.Action.IMPORT,
                by=by,
                object_type=TubeMember._meta.label_lower,
                object_repr=f"upload {rnd} @ {point}",
                detail=(
                    f"device upload: {report.recorded} swabs, {report.tubes_created} tubes, "
                    f"{report.already_recorded} already recorded, {len(report.errors)} bad rows, "
                    f"{persons_new} persons"
                ),
            )
    return report


def _tubes(ctx: _Ctx, tubes, members, report: UploadReport, by: Any):
    """Check the batch's tubes; create the new ones. Returns barcode → id for every usable
    tube (new or existing in this round and point), barcode → swabs it may still take, and
    the barcodes the device closed."""
    specs: dict[str, tuple[str, bool]] = {}
    for i, t in enumerate(tubes):
        code = str(_get(t, "barcode", "") or "").strip()
        kind = _get(t, "kind", TubeKind.POOLED) or TubeKind.POOLED
        if not BARCODE_RE.match(code):
            report.errors.append(RowProblem("tubes", i, "barcode", _("Not a tube barcode.")))
            continue
        if kind not in TubeKind.values:
            report.errors.append(RowProblem("tubes", i, "kind", _("Kind is single or pooled.")))
            continue
        if code in specs:
            report.errors.append(
                RowProblem("tubes", i, "barcode", _("This tube is listed twice in the batch."))
            )
            continue
        specs[code] = (kind, bool(_get(t, "closed", False)))
    wanted = set(specs) | {str(_get(m, "tube", "") or "").strip() for m in members}
    wanted.discard("")
    existing: dict[str, tuple] = {}
    wl = sorted(wanted)
    for part in _chunks(wl):
        for row in Tube.objects.filter(barcode__in=part).values_list(
            "barcode", "id", "round_id", "point_id", "state", "capacity", "member_count"
        ):
            existing[row[0]] = row[1:]
    ids: dict[str, int] = {}
    room: dict[str, int] = {}
    new_rows = []
    now = timezone.now()
    ratio = ctx.rnd.pooling_ratio
    bad_tube: dict[str, str] = {}
    for code, (kind, _closed) in specs.items():
        if code not in existing:
            cap = 1 if kind == TubeKind.SINGLE else ratio
            new_rows.append((code, ctx.rnd.pk, ctx.point.pk, ctx.point.area_id, kind, cap, 0,
                             TubeState.OPEN, getattr(by, "pk", None), getattr(by, "pk", None),
                             now, now))  # fmt: skip
            room[code] = cap
    for code, (tid, round_id, point_id, state, cap, count) in existing.items():
        if round_id != ctx.rnd.pk or point_id != ctx.point.pk:
            bad_tube[code] = str(_("Tube %(code)s belongs to another round or testing point.")
                                 % {"code": code})  # fmt: skip
            continue
        ids[code] = tid
        room[code] = (cap - count) if state == TubeState.OPEN else 0
    for i, t in enumerate(tubes):
        code = str(_get(t, "barcode", "") or "").strip()
        if code in bad_tube:
            report.errors.append(RowProblem("tubes", i, "barcode", bad_tube[code]))
    cols = ("barcode", "round_id", "point_id", "area_id", "kind", "capacity", "member_count",
            "state", "sampler_id", "created_by_id", "created_at", "updated_at")  # fmt: skip
    report.tubes_created = _insert_ignore(Tube._meta.db_table, cols, new_rows, "barcode")
    fresh = [r[0] for r in new_rows]
    for part in _chunks(fresh):
        for code, tid, round_id, point_id in Tube.objects.filter(barcode__in=part).values_list(
            "barcode", "id", "round_id", "point_id"
        ):
            if round_id == ctx.rnd.pk and point_id == ctx.point.pk:
                ids[code] = tid
    ctx.bad_tube = bad_tube  # type: ignore[attr-defined]
    closing = [code for code, (_k, closed) in specs.items() if closed]
    return ids, room, closing


def _members(ctx: _Ctx, members, tube_ids: dict[str, int], room: dict[str, int], report, by):
    """Check the swabs; return the rows to insert and how many distinct persons."""
    err = report.errors.append
    warn = report.warnings.append
    parsed: list[tuple[int, uuid.UUID, str, Any, str, dt.datetime]] = []
    seen: set[uuid.UUID] = set()
    for i, m in enumerate(members):
        raw = _get(m, "client_uuid", "")
        try:
            cid = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
        except ValueError:
            err(RowProblem("members", i, "client_uuid", _("Not a valid client id (UUID).")))
            continue
        if cid in seen:
            err(RowProblem("members", i, "client_uuid", _("This client id is listed twice.")))
            continue
        seen.add(cid)
        code = str(_get(m, "tube", "") or "").strip()
        if code in ctx.bad_tube:  # type: ignore[attr-defined]
            err(RowProblem("members", i, "tube", ctx.bad_tube[code]))  # type: ignore[attr-defined]
            continue
        if code not in tube_ids:
            err(RowProblem("members", i, "tube", _("Unknown tube: list it under tubes.")))
            continue
        at = _parse_time(_get(m, "sampled_at", ""), ctx.tz)
        if at is None:
            err(RowProblem("members", i, "sampled_at", _("Not a date and time (ISO 8601).")))
            continue
        if not ctx.earliest <= at <= ctx.latest:
            err(
                RowProblem(
                    "members", i, "sampled_at", _("Outside the round's time or in the future.")
                )
            )
            continue
        pid = _get(m, "person_id", None)
        idn = str(_get(m, "id_number", "") or "").strip()
        if pid in (None, "") and not idn:
            err(RowProblem("members", i, "person_id", _("Give person_id or id_number.")))
            continue
        parsed.append((i, cid, code, pid, idn, at))

    # already recorded (a batch sent again): skipped, not errors
    done: set[uuid.UUID] = set()
    uuids = [p[1] for p in parsed]
    for part in _chunks(uuids):
        done.update(
            TubeMember.objects.filter(client_uuid__in=part).values_list("client_uuid", flat=True)
        )
    report.already_recorded = sum(1 for p in parsed if p[1] in done)
    parsed = [p for p in parsed if p[1] not in done]

    # persons: by id, or by ID number through the blind index
    by_index = {blind_index(p[4]): p[4] for p in parsed if p[4] and p[3] in (None, "")}
    index_to_pid: dict[str, int] = {}
    for part in _chunks(list(by_index)):
        for pk, idx in Person.objects.filter(id_number_index__in=part, status="active").values_list(
            "pk", "id_number_index"
        ):
            index_to_pid[idx] = pk
    pids: list[int] = []
    resolved: list[tuple[int, uuid.UUID, str, int | None, dt.datetime]] = []
    for i, cid, code, pid, idn, at in parsed:
        if pid in (None, ""):
            pk = index_to_pid.get(blind_index(idn))
            if pk is None:
                err(
                    RowProblem(
                        "members", i, "id_number", _("No active person with this ID number.")
                    )
                )
                continue
        else:
            try:
                pk = int(pid)
            except (TypeError, ValueError):
                err(RowProblem("members", i, "person_id", _("Not a person id.")))
                continue
        pids.append(pk)
        resolved.append((i, cid, code, pk, at))
    info: dict[int, tuple[int, str]] = {}
    for part in _chunks(sorted(set(pids))):
        for pk, area_id, status in Person.objects.filter(pk__in=part).values_list(
            "pk", "area_id", "status"
        ):
            info[pk] = (area_id, status)
    sampled_before: set[int] = set()
    for part in _chunks(sorted(info)):
        sampled_before.update(
            TubeMember.objects.filter(round=ctx.rnd, person_id__in=part).values_list(
                "person_id", flat=True
            )
        )
    single_needed = controlled_person_ids(list(info)) if info else set()
    if ctx.single_cats and info:
        through = Person.categories.through
        for part in _chunks(sorted(info)):
            single_needed.update(
                through.objects.filter(
                    person_id__in=part, keycategory_id__in=ctx.single_cats
                ).values_list("person_id", flat=True)
            )
    kinds = _tube_kinds(tube_ids)
    sampler_id = getattr(by, "pk", None)
    rows: list[tuple] = []
    in_batch: Counter[int] = Counter()
    adapt_dt = connection.ops.adapt_datetimefield_value
    uuid_db = TubeMember._meta.get_field("client_uuid").get_db_prep_value
    for i, cid, code, pk, at in resolved:
        got = info.get(pk)
        if got is None:
            err(RowProblem("members", i, "person_id", _("No such person.")))
            continue
        area_id, status = got
        if status != "active":
            err(RowProblem("members", i, "person_id", _("This person record is no longer active.")))
            continue
        if not ctx.area_ok.get(area_id, False):
            err(
                RowProblem(
                    "members", i, "person_id", _("The person lives outside the round's areas.")
                )
            )
            continue
        if room.get(code, 0) <= 0:
            err(
                RowProblem(
                    "members", i, "tube", _("Tube %(code)s is full or closed.") % {"code": code}
                )
            )
            continue
        room[code] -= 1
        repeat = pk in sampled_before or in_batch[pk] > 0
        in_batch[pk] += 1
        if repeat:
            warn(RowProblem("members", i, "person_id", _("Sampled again in this round.")))
        if pk in single_needed and kinds.get(code) == TubeKind.POOLED:
            warn(RowProblem("members", i, "tube", _("This person should be sampled singly.")))
        rows.append((tube_ids[code], ctx.rnd.pk, pk, area_id, adapt_dt(at), sampler_id,
                     uuid_db(cid, connection, prepared=False), repeat))  # fmt: skip
    return rows, len(in_batch)


def _tube_kinds(tube_ids: dict[str, int]) -> dict[str, str]:
    out: dict[str, str] = {}
    codes = list(tube_ids)
    for part in _chunks(codes):
        out.update(Tube.objects.filter(barcode__in=part).values_list("barcode", "kind"))
    return out


def _refresh_tubes(tube_ids: set[int], closing: set[int]) -> int:
    """Swab count and first swab time from the members; close the full tubes and those the
    device closed. Returns how many closed."""
    if not tube_ids:
        return 0
    qn = connection.ops.quote_name
    t, m = qn(Tube._meta.db_table), qn(TubeMember._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    closed = 0
    with connection.cursor() as cur:
        for part in _chunks(sorted(tube_ids), 900):
            marks = ", ".join(["%s"] * len(part))
            cur.execute(
                f"UPDATE {t} SET member_count = (SELECT COUNT(*) FROM {m} WHERE {m}.tube_id = {t}.id), "  # noqa: S608
                f"first_sampled_at = (SELECT MIN(sampled_at) FROM {m} WHERE {m}.tube_id = {t}.id) "
                f"WHERE id IN ({marks})",
                list(part),
            )
            close = [pk for pk in part if pk in closing]
            cmarks = ", ".join(["%s"] * len(close)) or "NULL"
            cur.execute(
                f"UPDATE {t} SET state = %s, closed_at = COALESCE(closed_at, %s) "  # noqa: S608
                f"WHERE id IN ({marks}) AND state = %s AND member_count > 0 "
                f"AND (member_count >= capacity OR id IN ({cmarks}))",
                [TubeState.CLOSED, now, *part, TubeState.OPEN, *close],
            )
            closed += max(cur.rowcount, 0)
    return closed
