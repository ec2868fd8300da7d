"""The scan: one swab sent by a scanner (``POST /api/v1/testing/scan``), through one
service, ``record_scan``.

It checks once, for both of its paths: the permission, the point and the round within the
caller's areas (the subtree rule of ``core.scoping``), the caller's seat at the point
(``check_seat``, as ``check_sampler``), the round open (``check_round_open``). The point and
the round are read lean (``testing.sql``), and the caller's roles and area paths in one
statement cached on the user.

Then the fast lane: a scanner at a busy point sends hundreds of swabs a second across a
county, nearly all of them the plain case: a known person, in the round's areas, not
sampled yet, into an open tube of this round and point (or a new one). That case is
recorded with one read of the person (with their area path, control and key-group flags,
and any swab already in the round or under this client id) and one short write
transaction (on SQLite the only moment the write lock is held): the tube row bumped in
place (``member_count + 1``, closed when full, all in the ``UPDATE``) or inserted, the
member inserted, one audit row (``core.audit``).

Everything else (an unknown or merged person, someone outside the round, a repeat, a retry
of a client id, a closed or foreign tube, a race on a new tube) has written nothing and goes
to the full path (``find_person`` + ``sampling.sample``), which gives the answer and the
precise error. The checks of the lane are the full path's checks, so a scan either
succeeds the same way on both paths or is handed over.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.db.vendor import is_sqlite
from fangkong.core.errors import NotFound
from fangkong.core.permissions import require
from fangkong.core.pii import blind_index
from fangkong.core.scoping import fold, overlaps, within
from fangkong.testing import sql
from fangkong.testing.choices import TubeKind, TubeState
from fangkong.testing.models import ScreeningRound, TestingPoint, TubeMember
from fangkong.testing.services._common import BARCODE_RE, check_seat
from fangkong.testing.services.persons import QR_PREFIX, _signer, find_person
from fangkong.testing.services.sampling import check_round_open, member_audit_detail, sample


@dataclass
class ScanResult:
    """What a scan answers, on either path."""

    member_id: int
    tube: str
    kind: str
    swabs: int
    capacity: int
    tube_closed: bool
    person_name: str
    repeat: bool = False
    created: bool = True


@dataclass
class _Point:
    id: int
    name: str
    active: bool
    area_id: int
    path: str
    is_sampler: bool

    def __str__(self) -> str:
        return self.name


@dataclass
class _Round:
    id: int
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    pooling_ratio: int
    paths: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


class _SQLiteWriteGate:
    """On SQLite, scans queue for the single write lock in the kernel instead of in SQLite's
    busy handler, which polls with sleeps of 1, 2, 5, 10 ... 100 ms: under a few hundred
    scans a second that polling, not the work, made the tail latency. Threads of a worker
    queue on a lock, workers on ``flock`` of a file beside the database (a blocking wait,
    woken the moment the holder commits). Only an optimisation: SQLite's own lock still
    guards the data, and other writers need not take the gate."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fd: int | None = None
        self.pid = 0

    def _file(self) -> int | None:
        if self.fd is not None and self.pid == os.getpid():
            return self.fd
        name = str(connection.settings_dict.get("NAME") or "")
        if not name or name == ":memory:" or name.startswith("file:"):
            return None
        try:
            self.fd = os.open(name + ".scan-gate", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return None
        self.pid = os.getpid()
        return self.fd

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        if not is_sqlite():
            yield
            return
        with self.lock:
            fd = self._file()
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)


_gate = _SQLiteWriteGate()


class _Handover(Exception):
    """Leave the fast lane: roll back and let the full path answer."""


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def _load_user(by: Actor) -> None:
    """The caller's roles and area paths in one statement, cached on the user object where
    ``User.role_codes`` and ``User.area_paths`` keep them (same values, same folding of
    nested areas), so the permission checks after this cost no query."""
    if "role_codes" in by.__dict__ and "area_paths" in by.__dict__:
        return
    rows = sql.roles_and_area_paths(by.pk)
    by.__dict__.setdefault("role_codes", frozenset(v for k, v in rows if k == 0))
    by.__dict__.setdefault("area_paths", fold(v for k, v in rows if k == 1))


def _person_key(code: str) -> tuple[str, Any] | None:
    """('pk', id) for a personal QR code, ('index', blind index) for anything else that could
    be a document number; None when the full path must judge the code."""
    code = (code or "").strip()
    if not code:
        return None
    if code.startswith(QR_PREFIX):
        try:
            return "pk", int(_signer.unsign(code[len(QR_PREFIX) :]))
        except (signing.BadSignature, ValueError):
            return None
    return "index", blind_index(code)


def _point(by: Actor, point_id: int) -> _Point:
    row = sql.scan_point(point_id, by.pk)
    if row is None or not within(row[3], by.area_paths):
        raise NotFound(_("No such testing point within your areas."), field="point_id")
    return _Point(point_id, *row)


def _round(by: Actor, round_id: int) -> _Round:
    rows = sql.scan_round(round_id)
    paths = tuple(r[4] for r in rows)
    if not rows or not overlaps(paths, by.area_paths):
        raise NotFound(_("No such screening round within your areas."), field="round_id")
    name, starts, ends, ratio, _path = rows[0]
    return _Round(round_id, name, _aware(starts), _aware(ends), ratio, paths)


def record_scan(
    round_id: int,
    point_id: int,
    *,
    person_code: str,
    tube_barcode: str,
    by: Actor,
    client_uuid: str | None = None,
    confirm_repeat: bool = False,
) -> ScanResult:
    """Record one scanned swab: the person (ID number or personal QR code) into the tube.
    Refuses what ``sampling.sample`` refuses, with its errors (a repeat in the round is a
    Conflict with code ``repeat`` unless ``confirm_repeat``); a point or round outside the
    caller's areas is NotFound. ``created`` is False for a retry of a client id."""
    if getattr(by, "is_authenticated", False) and by.pk is not None:
        _load_user(by)
    require(by, "testing.sample")
    point = _point(by, point_id)
    rnd = _round(by, round_id)
    check_seat(by, point_name=point.name, active=point.active, is_sampler=point.is_sampler)
    at = timezone.now()
    check_round_open(rnd, at)
    if not confirm_repeat:
        quick = _quick(point, rnd, person_code=person_code, tube_barcode=tube_barcode, by=by,
                       client_uuid=client_uuid, at=at)  # fmt: skip
        if quick is not None:
            return quick
    person = find_person(person_code)
    if person is None:
        raise NotFound(_("No person with this ID number or QR code."), field="person")
    res = sample(
        ScreeningRound.objects.get(pk=rnd.id), TestingPoint.objects.select_related("area").get(pk=point.id),
        person=person, tube_barcode=tube_barcode, by=by, client_uuid=client_uuid,
        confirm_repeat=confirm_repeat,
    )  # fmt: skip
    return ScanResult(
        res.member.pk, res.tube.barcode, res.tube.kind, res.tube.member_count, res.tube.capacity,
        res.tube.state != TubeState.OPEN, person.name, repeat=res.repeat, created=res.created,
    )  # fmt: skip


def _quick(point: _Point, rnd: _Round, *, person_code: str, tube_barcode: str, by: Actor,
           client_uuid: str | None, at: dt.datetime) -> ScanResult | None:  # fmt: skip
    """The plain swab (see the module's doc), or None having written nothing."""
    barcode = (tube_barcode or "").strip()
    if not BARCODE_RE.match(barcode):
        return None
    if client_uuid in (None, ""):
        cid = uuid.uuid4()
    else:
        try:
            cid = uuid.UUID(str(client_uuid))
        except ValueError:
            return None
    key = _person_key(person_code)
    if key is None:
        return None
    uuid_db = TubeMember._meta.get_field("client_uuid").get_db_prep_value(
        cid, connection, prepared=False
    )
    row = sql.scan_person(key, rnd.id, uuid_db)
    if row is None:
        return None
    pid, name, active, area_id, area_path, controlled, key_group, sampled, retry = row
    if not active or sampled or retry or not within(area_path, rnd.paths):
        return None
    single = bool(controlled or key_group)
    try:
        return _write(point, rnd, barcode, pid, name, area_id, single, at, uuid_db, cid, by)
    except (_Handover, IntegrityError):
        return None


def _write(point: _Point, rnd: _Round, barcode: str, pid: int, name: str, area_id: int,
           single: bool, at: dt.datetime, uuid_db: Any, cid: uuid.UUID, by: Actor) -> ScanResult:  # fmt: skip
    at_db = connection.ops.adapt_datetimefield_value(at)
    opened = False
    with _gate(), transaction.atomic():
        row = sql.bump_open_tube(barcode, rnd.id, point.id, at=at_db, single=single)
        if row is not None:
            tube_id, kind, count, capacity, state = row
        else:
            kind = TubeKind.SINGLE if single else TubeKind.POOLED
            capacity = 1 if single else rnd.pooling_ratio
            state = TubeState.CLOSED if capacity <= 1 else TubeState.OPEN
            tube_id = sql.insert_tube([barcode, rnd.id, point.id, point.area_id, kind, capacity,
                                       state, by.pk, by.pk, at_db, at_db, at_db,
                                       at_db if state == TubeState.CLOSED else None])  # fmt: skip
            if (
                tube_id is None
            ):  # the tube exists but may not take this swab: the full path says why
                raise _Handover
            count, opened = 1, True
        member_id = sql.insert_member([tube_id, rnd.id, pid, area_id, at_db, by.pk, uuid_db, False])
        closed = state == TubeState.CLOSED
        after = {
            "id": member_id, "tube": tube_id, "round": rnd.id, "person": pid, "area": area_id,
            "sampled_at": at.isoformat(), "sampler": by.pk, "client_uuid": str(cid),
            "repeat": False,
        }  # fmt: skip
        audit.insert(
            audit.build(
                audit.Action.CREATE, by=by, object_type=TubeMember._meta.label_lower,
                object_id=str(member_id), object_repr=f"{tube_id}:{pid}", after=after,
                detail=member_audit_detail(barcode, kind, count, capacity, opened=opened,
                                           closed=closed),
            )
        )  # fmt: skip
    return ScanResult(member_id, barcode, kind, count, capacity, closed, name)
