"""The device batch upload: tubes and swabs taken offline, each swab with the device's
own id (``client_uuid``). A batch sent twice records once; bad rows are reported with their
index, field and reason and the good rows are kept; nothing is written twice.

Built for volume (a city's day is millions of swabs):

- every row is checked in Python against sets and dicts loaded with a few raw, indexed
  queries per batch (existing tubes; client ids already recorded; persons with their area,
  status, "sampled in this round", "under control" and "in a key group sampled singly" in one
  statement), before any write, so on SQLite the write lock is held only for the inserts;
- new tubes are inserted with their final counters (swabs, first swab, closed when full or
  closed by the device), so there is no second pass over them; tubes that already existed
  are recounted from their members;
- members go in with multi-row ``INSERT ... ON CONFLICT (client_uuid) DO NOTHING`` of
  precomputed tuples (no model instances); on PostgreSQL they are copied straight into the
  table (the client ids already recorded having been left out), and only when a concurrent
  upload recorded one of them in the meantime does the batch take the ON CONFLICT path; a
  row that a concurrent upload recorded first is counted as already recorded and the
  touched tubes are recounted exactly;
- one audit entry records the batch.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.db.bulk import insert_many
from fangkong.core.db.vendor import adapt_datetime, is_sqlite
from fangkong.core.pii import blind_index
from fangkong.core.scoping import subtree_q
from fangkong.testing import sql
from fangkong.testing.choices import TubeKind, TubeState
from fangkong.testing.models import ScreeningRound, TestingPoint, Tube, TubeMember
from fangkong.testing.services._common import BARCODE_RE, check_sampler
from fangkong.testing.services.sampling import ROUND_GRACE

FUTURE_SLACK = dt.timedelta(minutes=10)
_TUBE_COLS = ("barcode", "round_id", "point_id", "area_id", "kind", "capacity", "member_count",
              "state", "sampler_id", "created_by_id", "created_at", "updated_at",
              "first_sampled_at", "closed_at")  # fmt: skip
_MEMBER_COLS = ("tube_id", "round_id", "person_id", "area_id", "sampled_at", "sampler_id",
                "client_uuid", "repeat")  # fmt: skip


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


def _row(row: Any) -> dict[str, Any]:
    """A row as a dict: dicts as they are, schema objects (the API's) by their fields."""
    if isinstance(row, dict):
        return row
    fields = getattr(row, "__dict__", None)
    return fields if isinstance(fields, dict) else {}


class _Ctx:
    """What the checks need, loaded once per batch."""

    def __init__(self, rnd: ScreeningRound, point: TestingPoint, by: Actor):
        self.rnd, self.point, self.by = rnd, point, by
        self.paths = tuple(rnd.areas.values_list("path", flat=True))
        self.area_ok = set(Area.objects.filter(subtree_q(self.paths)).values_list("pk", flat=True))
        self.single_cats = list(rnd.single_categories.values_list("pk", flat=True))
        self.tz = timezone.get_current_timezone()
        self.earliest = rnd.starts_at - ROUND_GRACE
        self.latest = min(rnd.ends_at + ROUND_GRACE, timezone.now() + FUTURE_SLACK)
        self.sqlite = is_sqlite()
        self.times: dict[Any, tuple[dt.datetime, Any, float, bool] | None] = {}
        self.adapt_dt = adapt_datetime

    def when(self, value: Any) -> tuple[dt.datetime, Any, float, bool] | None:
        """(aware time, database value, timestamp, within the round's window) of a
        ``sampled_at``; None when not a time. Devices stamp many swabs with the same second,
        so each distinct text is parsed and checked once."""
        try:
            return self.times[value]
        except KeyError:
            pass
        except TypeError:  # unhashable
            return None
        if isinstance(value, dt.datetime):
            t = value
        else:
            try:
                t = dt.datetime.fromisoformat(str(value))
            except ValueError:
                self.times[value] = None
                return None
        if t.tzinfo is None:
            t = t.replace(tzinfo=self.tz)
        ok = self.earliest <= t <= self.latest
        got = self.times[value] = (t, self.adapt_dt(t), t.timestamp(), ok)
        return got


def upload_batch(
    rnd: ScreeningRound,
    point: TestingPoint,
    *,
    tubes: Sequence[Any],
    members: Sequence[Any],
    by: Actor,
) -> UploadReport:
    """Record a device's batch: ``tubes`` (barcode, kind, closed) and ``members``
    (client_uuid, tube barcode, person_id or id_number, sampled_at). Idempotent by
    ``client_uuid``; bad rows reported, good rows kept; the writes in one transaction."""
    check_sampler(by, point)
    report = UploadReport()
    ctx = _Ctx(rnd, point, by)
    specs, existing, bad_tube = _tubes(ctx, tubes, members, report)
    planned = _members(ctx, members, specs, existing, bad_tube, report)
    with transaction.atomic():
        _write(ctx, specs, existing, planned, report)
        if report.recorded or report.tubes_created:
            audit.record(
                audit.Action.IMPORT,
                by=by,
                object_type=TubeMember._meta.label_lower,
                object_repr=f"upload {rnd} @ {point}",
                detail=(
                    f"device upload: {report.recorded} swabs, {report.tubes_created} tubes, "
                    f"{report.already_recorded} already recorded, {len(report.errors)} bad rows, "
                    f"{len({r[2] for r in planned})} persons"
                ),
            )
    order = {"tubes": 0, "members": 1}
    report.errors.sort(key=lambda e: (order.get(e.section, 2), e.index))
    report.warnings.sort(key=lambda e: (order.get(e.section, 2), e.index))
    return report


@dataclass
class _Spec:
    """A tube listed in the batch and not yet in the database."""

    kind: str
    closed: bool
    capacity: int
    room: int
    count: int = 0
    first: float | None = None  # timestamp of the first swab
    first_db: Any = None


@dataclass
class _Known:
    """A tube already in the database, in this round and point."""

    id: int
    kind: str
    closed_by_device: bool
    room: int
    count: int = 0
    first: float | None = None  # not used: existing tubes are recounted
    first_db: Any = None


def _tubes(ctx: _Ctx, tubes, members, report: UploadReport):
    """Check the batch's tubes against each other and the database. Returns the new tubes
    (barcode → _Spec), the usable existing ones (barcode → _Known) and the refused ones
    (barcode → reason)."""
    listed: dict[str, tuple[str, bool]] = {}
    for i, t in enumerate(tubes):
        t = _row(t)
        code = str(t.get("barcode", "") or "").strip()
        kind = t.get("kind", TubeKind.POOLED) or TubeKind.POOLED
        if not BARCODE_RE.match(code):
            report.errors.append(RowProblem("tubes", i, "barcode", _("Not a tube barcode.")))
            continue
        if kind not in TubeKind.values:
            report.errors.append(RowProblem("tubes", i, "kind", _("Kind is single or pooled.")))
            continue
        if code in listed:
            report.errors.append(
                RowProblem("tubes", i, "barcode", _("This tube is listed twice in the batch."))
            )
            continue
        listed[code] = (kind, bool(t.get("closed", False)))
    wanted = set(listed)
    for m in members:
        code = _row(m).get("tube", "")
        if code:
            wanted.add(str(code).strip())
    wanted.discard("")
    rows = sql.tubes_by_barcode(sorted(wanted))
    existing: dict[str, _Known] = {}
    bad_tube: dict[str, str] = {}
    for code, tid, round_id, point_id, state, cap, count, kind in rows:
        if round_id != ctx.rnd.pk or point_id != ctx.point.pk:
            bad_tube[code] = str(_("Tube %(code)s belongs to another round or testing point.")
                                 % {"code": code})  # fmt: skip
            continue
        room = (cap - count) if state == TubeState.OPEN else 0
        closed = listed.get(code, ("", False))[1]
        existing[code] = _Known(tid, kind, closed, room)
    specs: dict[str, _Spec] = {}
    ratio = ctx.rnd.pooling_ratio
    for code, (kind, closed) in listed.items():
        if code not in existing and code not in bad_tube:
            cap = 1 if kind == TubeKind.SINGLE else ratio
            specs[code] = _Spec(kind, closed, cap, cap)
    for i, t in enumerate(tubes):
        code = str(_row(t).get("barcode", "") or "").strip()
        if code in bad_tube:
            report.errors.append(RowProblem("tubes", i, "barcode", bad_tube[code]))
    return specs, existing, bad_tube


def _members(ctx: _Ctx, members, specs: dict[str, _Spec], existing: dict[str, _Known],
             bad_tube: dict[str, str], report: UploadReport) -> list[list]:  # fmt: skip
    """Check the swabs. Returns the rows to insert, as lists of the member columns with the
    tube's barcode in place of its id (new tubes get theirs on insert),
    the row's index last."""
    err = report.errors.append
    warn = report.warnings.append
    parsed: list[tuple] = []
    seen: set[int] = set()
    sqlite = ctx.sqlite
    when = ctx.when
    UUID = uuid.UUID
    for i, m in enumerate([m if type(m) is dict else _row(m) for m in members]):
        raw = m.get("client_uuid", "")
        try:
            cid = raw if isinstance(raw, UUID) else UUID(raw if type(raw) is str else str(raw))
        except ValueError:
            err(RowProblem("members", i, "client_uuid", _("Not a valid client id (UUID).")))
            continue
        key = cid.int
        if key in seen:
            err(RowProblem("members", i, "client_uuid", _("This client id is listed twice.")))
            continue
        seen.add(key)
        code = m.get("tube", "")
        code = code.strip() if type(code) is str else str(code or "").strip()
        if code in bad_tube:
            err(RowProblem("members", i, "tube", bad_tube[code]))
            continue
        if code not in specs and code not in existing:
            err(RowProblem("members", i, "tube", _("Unknown tube: list it under tubes.")))
            continue
        at = when(m.get("sampled_at", ""))
        if at is None:
            err(RowProblem("members", i, "sampled_at", _("Not a date and time (ISO 8601).")))
            continue
        if not at[3]:
            err(
                RowProblem(
                    "members", i, "sampled_at", _("Outside the round's time or in the future.")
                )
            )
            continue
        pid = m.get("person_id", None)
        idn = m.get("id_number", "")
        idn = str(idn).strip() if idn else ""
        if (pid is None or pid == "") and not idn:
            err(RowProblem("members", i, "person_id", _("Give person_id or id_number.")))
            continue
        parsed.append((i, cid, cid.hex if sqlite else cid, code, pid, idn, at))

    # already recorded (a batch sent again): skipped, not errors
    done = sql.recorded_client_ids([p[2] for p in parsed])
    if done:  # hex text on SQLite, UUIDs on PostgreSQL: as cid_db is
        before = len(parsed)
        parsed = [p for p in parsed if p[2] not in done]
        report.already_recorded = before - len(parsed)

    # persons: by id, or by ID number through the blind index
    by_index = {blind_index(p[5]) for p in parsed if p[5] and p[4] in (None, "")}
    index_to_pid: dict[str, int] = {}
    if by_index:
        for pk, idx in sql.active_persons_by_index(sorted(by_index)):
            index_to_pid[idx] = pk
    resolved: list[tuple] = []
    for i, _cid, cid_db, code, pid, idn, at in parsed:
        if pid in (None, ""):
            found = index_to_pid.get(blind_index(idn))
            if found is None:
                err(
                    RowProblem(
                        "members", i, "id_number", _("No active person with this ID number.")
                    )
                )
                continue
            pk = found
        elif type(pid) is int:
            pk = pid
        else:
            try:
                pk = int(pid)
            except (TypeError, ValueError):
                err(RowProblem("members", i, "person_id", _("Not a person id.")))
                continue
        resolved.append((i, cid_db, code, pk, at))
    info = _persons(ctx, sorted({r[3] for r in resolved}))

    sampler_id = getattr(ctx.by, "pk", None)
    rnd_id = ctx.rnd.pk
    area_ok = ctx.area_ok
    rows: list[list] = []
    in_batch: set[int] = set()
    no_person = _("No such person.")
    inactive = _("This person record is no longer active.")
    outside = _("The person lives outside the round's areas.")
    again = _("Sampled again in this round.")
    singly = _("This person should be sampled singly.")
    for i, cid_db, code, pk, at in resolved:
        got = info.get(pk)
        if got is None:
            err(RowProblem("members", i, "person_id", no_person))
            continue
        area_id, active, sampled_before, single_needed = got
        if not active:
            err(RowProblem("members", i, "person_id", inactive))
            continue
        if area_id not in area_ok:
            err(RowProblem("members", i, "person_id", outside))
            continue
        tube = specs.get(code) or existing[code]
        if tube.room <= 0:
            err(
                RowProblem(
                    "members", i, "tube", _("Tube %(code)s is full or closed.") % {"code": code}
                )
            )
            continue
        tube.room -= 1
        tube.count += 1
        if tube.first is None or at[2] < tube.first:
            tube.first, tube.first_db = at[2], at[1]
        repeat = sampled_before or pk in in_batch
        in_batch.add(pk)
        if repeat:
            warn(RowProblem("members", i, "person_id", again))
        if single_needed and tube.kind == TubeKind.POOLED:
            warn(RowProblem("members", i, "tube", singly))
        rows.append([code, rnd_id, pk, area_id, at[1], sampler_id, cid_db, bool(repeat), i])
    return rows


def _persons(ctx: _Ctx, pks: list[int]) -> dict[int, tuple[int, bool, bool, bool]]:
    """pk → (area, active, sampled in this round already, must be sampled singly)."""
    if not pks:
        return {}
    return {
        pk: (area_id, bool(active), bool(before), bool(single))
        for pk, area_id, active, before, single in sql.persons_for_round(
            pks, ctx.rnd.pk, ctx.single_cats
        )
    }


def _write(ctx: _Ctx, specs: dict[str, _Spec], existing: dict[str, _Known], planned: list[list],
           report: UploadReport) -> None:  # fmt: skip
    """Insert the new tubes (with their final counters) and the members; recount the tubes
    that existed before."""
    by_pk = getattr(ctx.by, "pk", None)
    now = ctx.adapt_dt(timezone.now())
    new_rows = []
    closed_new = 0
    for code, s in specs.items():
        closed = s.count > 0 and (s.count >= s.capacity or s.closed)
        closed_new += closed
        new_rows.append((code, ctx.rnd.pk, ctx.point.pk, ctx.point.area_id, s.kind, s.capacity,
                         s.count, TubeState.CLOSED if closed else TubeState.OPEN, by_pk, by_pk,
                         now, now, s.first_db, s.first_db if closed else None))  # fmt: skip
    report.tubes_created, got = insert_many(
        Tube._meta.db_table, _TUBE_COLS, new_rows, "barcode", returning="barcode, id"
    )
    ids = {code: k.id for code, k in existing.items()}
    ids.update(got)
    recount = {k.id for k in existing.values() if k.count or k.closed_by_device}
    closing = {k.id for k in existing.values() if k.closed_by_device}
    if len(got) < len(new_rows):
        # a concurrent upload created some of these tubes first: use them if they are this
        # round's and point's (recounted below), refuse their swabs otherwise
        raced = [r[0] for r in new_rows if r[0] not in ids]
        for code, tid, round_id, point_id in sql.tube_places(raced):
            if round_id == ctx.rnd.pk and point_id == ctx.point.pk:
                ids[code] = tid
                recount.add(tid)
                if specs[code].closed:
                    closing.add(tid)
        closed_new -= sum(1 for r in new_rows if r[0] in raced and r[7] == TubeState.CLOSED)
        kept = []
        for row in planned:
            if row[0] in ids:
                kept.append(row)
            else:
                msg = _("Tube %(code)s belongs to another round or testing point.")
                report.errors.append(RowProblem("members", row[8], "tube", msg % {"code": row[0]}))
        planned = kept
    for row in planned:
        row[0] = ids[row[0]]
    # _members left out the client ids already recorded
    report.recorded, _none = insert_many(
        TubeMember._meta.db_table, _MEMBER_COLS, [tuple(r[:8]) for r in planned], "client_uuid",
        probed=True,
    )  # fmt: skip
    if report.recorded < len(planned):
        # some client ids were recorded by a concurrent upload in the meantime: not twice,
        # and the tubes they were meant for are recounted from what is there
        report.already_recorded += len(planned) - report.recorded
        recount |= {r[0] for r in planned}
    report.tubes_closed = closed_new + sql.recount_tubes(recount, closing)
