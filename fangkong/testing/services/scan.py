"""The scan endpoint's fast lane: one swab in a handful of lean queries.

A scanner at a busy point sends hundreds of swabs a second across a county, nearly all of
them the plain case: a known person, in the round's areas, not sampled yet, into an open
tube of this round and point (or a new one). ``quick_sample`` records exactly that case
with

- three reads (point with the caller's sampler seat; round with its area paths; the person
  with their area path, control and key-group flags, and any swab already in the round or
  under this client id), each one statement on indexed columns, no model instances;
- one short write transaction (on SQLite the only moment the write lock is held): the tube
  row bumped in place (``member_count + 1``, closed when full, all in the ``UPDATE``) or
  inserted, the member inserted, one audit row.

Everything else (an unknown or merged person, someone outside the round, a repeat, a retry of
a client id, a closed or foreign tube, a point the caller does not serve, a round not open,
a race on a new tube) returns ``None`` having written nothing, and the caller runs the full
path (``find_person`` + ``sampling.sample``), which gives the same answer and the precise
error. The checks here are the full path's checks, so a scan either succeeds the same way on
both paths or is handed over.
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

from fangkong.core.models import AuditLog
from fangkong.core.pii import blind_index
from fangkong.people.models import Person
from fangkong.testing.choices import TubeKind, TubeState
from fangkong.testing.models import ScreeningRound, TestingPoint, Tube, TubeMember
from fangkong.testing.services._common import BARCODE_RE
from fangkong.testing.services.persons import QR_PREFIX, _signer
from fangkong.testing.services.sampling import ROUND_GRACE, member_audit_detail


@dataclass
class QuickResult:
    member_id: int
    tube: str
    kind: str
    swabs: int
    capacity: int
    tube_closed: bool
    person_name: str
    repeat: bool = False
    created: bool = True


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
        if connection.vendor != "sqlite":
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


def _tables() -> dict[str, str]:
    from fangkong.areas.models import Area

    qn = connection.ops.quote_name
    try:
        from fangkong.control.models import ControlEpisode

        control = qn(ControlEpisode._meta.db_table)
    except ImportError:  # pragma: no cover - control episodes not installed
        control = ""
    return {
        "point": qn(TestingPoint._meta.db_table),
        "samplers": qn(TestingPoint.samplers.through._meta.db_table),
        "round": qn(ScreeningRound._meta.db_table),
        "round_areas": qn(ScreeningRound.areas.through._meta.db_table),
        "round_cats": qn(ScreeningRound.single_categories.through._meta.db_table),
        "area": qn(Area._meta.db_table),
        "person": qn(Person._meta.db_table),
        "person_cats": qn(Person.categories.through._meta.db_table),
        "control": control,
        "tube": qn(Tube._meta.db_table),
        "member": qn(TubeMember._meta.db_table),
        "audit": qn(AuditLog._meta.db_table),
    }


_SQL: dict[str, dict[str, str]] = {}


def _sql() -> dict[str, str]:
    """The statements, built once per database vendor from the models' table names."""
    got = _SQL.get(connection.vendor)
    if got is not None:
        return got
    t = _tables()
    controlled = (
        f"EXISTS (SELECT 1 FROM {t['control']} c "  # noqa: S608
        f"WHERE c.person_id = p.id AND c.status = 'active')"
        if t["control"]
        else "0 = 1"
    )
    person = (
        f"SELECT p.id, p.name, p.status, p.area_id, a.path, {controlled}, "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {t['person_cats']} pc JOIN {t['round_cats']} rc "
        f"ON rc.keycategory_id = pc.keycategory_id "
        f"WHERE pc.person_id = p.id AND rc.screeninground_id = %s), "
        f"EXISTS (SELECT 1 FROM {t['member']} m WHERE m.round_id = %s AND m.person_id = p.id), "
        f"EXISTS (SELECT 1 FROM {t['member']} m WHERE m.client_uuid = %s) "
        f"FROM {t['person']} p JOIN {t['area']} a ON a.id = p.area_id "
    )
    got = {
        "point": (
            f"SELECT p.active, p.area_id, a.path, EXISTS (SELECT 1 FROM {t['samplers']} s "  # noqa: S608
            f"WHERE s.testingpoint_id = p.id AND s.user_id = %s) "
            f"FROM {t['point']} p JOIN {t['area']} a ON a.id = p.area_id WHERE p.id = %s"
        ),
        "round": (
            f"SELECT r.starts_at, r.ends_at, r.pooling_ratio, a.path "  # noqa: S608
            f"FROM {t['round']} r JOIN {t['round_areas']} ra ON ra.screeninground_id = r.id "
            f"JOIN {t['area']} a ON a.id = ra.area_id WHERE r.id = %s"
        ),
        "person_by_pk": person + "WHERE p.id = %s",
        "person_by_index": person + "WHERE p.id_number_index = %s ORDER BY p.status, p.id LIMIT 1",
        "bump": (
            f"UPDATE {t['tube']} SET member_count = member_count + 1, "  # noqa: S608
            f"first_sampled_at = COALESCE(first_sampled_at, %s), "
            f"state = CASE WHEN member_count + 1 >= capacity THEN %s ELSE state END, "
            f"closed_at = CASE WHEN member_count + 1 >= capacity THEN %s ELSE closed_at END "
            f"WHERE barcode = %s AND round_id = %s AND point_id = %s AND state = %s "
            f"AND (kind = %s OR %s) "
            f"RETURNING id, kind, member_count, capacity, state"
        ),
        "new_tube": (
            f"INSERT INTO {t['tube']} (barcode, round_id, point_id, area_id, kind, capacity, "  # noqa: S608
            f"member_count, state, sampler_id, created_by_id, created_at, updated_at, "
            f"first_sampled_at, closed_at) "
            f"VALUES (%s, %s, %s, %s, %s, %s, 1, %s, %s, %s, %s, %s, %s, %s) "
            f"ON CONFLICT (barcode) DO NOTHING RETURNING id"
        ),
        "member": (
            f"INSERT INTO {t['member']} (tube_id, round_id, person_id, area_id, sampled_at, "  # noqa: S608
            f"sampler_id, client_uuid, repeat) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
            f"RETURNING id"
        ),
        "audit": (
            f"INSERT INTO {t['audit']} (at, actor_id, actor_name, action, object_type, "  # noqa: S608
            f"object_id, object_repr, before, after, detail, request_id) "
            f"VALUES (%s, %s, %s, %s, %s, %s, %s, NULL, %s, %s, %s)"
        ),
    }
    _SQL[connection.vendor] = got
    return got


def _load_user(by: Any) -> None:
    """The caller's roles and area paths in one statement, cached on the user object where
    ``User.role_codes`` and ``User.area_paths`` keep them (same values, same folding of
    nested areas), so the permission checks after this cost no query."""
    if "role_codes" in by.__dict__ and "area_paths" in by.__dict__:
        return
    from fangkong.areas.models import Area
    from fangkong.core.models import User, UserRole

    qn = connection.ops.quote_name
    through = qn(User.areas.through._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT 0, role FROM {qn(UserRole._meta.db_table)} WHERE user_id = %s "  # noqa: S608
            f"UNION ALL SELECT 1, a.path FROM {qn(Area._meta.db_table)} a "
            f"JOIN {through} ua ON ua.area_id = a.id WHERE ua.user_id = %s",
            [by.pk, by.pk],
        )
        rows = cur.fetchall()
    folded: list[str] = []
    for p in sorted(v for k, v in rows if k == 1):
        if not any(p.startswith(q) for q in folded):
            folded.append(p)
    by.__dict__.setdefault("role_codes", frozenset(v for k, v in rows if k == 0))
    by.__dict__.setdefault("area_paths", tuple(folded))


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


def quick_sample(
    round_id: int,
    point_id: int,
    *,
    person_code: str,
    tube_barcode: str,
    by: Any,
    client_uuid: str | None = None,
) -> QuickResult | None:
    """Record the plain swab (see the module's doc) and return what the scan answers, or
    ``None`` without writing anything when the full path must take the scan."""
    if not getattr(by, "is_authenticated", False) or by.pk is None:
        return None
    _load_user(by)
    if not by.can("testing.sample"):
        return None
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
    user_paths = by.area_paths
    if not user_paths:
        return None
    sql = _sql()
    uuid_db = TubeMember._meta.get_field("client_uuid").get_db_prep_value(
        cid, connection, prepared=False
    )
    with connection.cursor() as cur:
        # the point: visible to the caller, and served by them (county command anywhere)
        cur.execute(sql["point"], [by.pk, point_id])
        row = cur.fetchone()
        if row is None:
            return None
        active, point_area, point_path, is_sampler = row
        if not point_path.startswith(user_paths):
            return None
        if not by.can("testing.sample.any_point") and not (is_sampler and active):
            return None
        # the round: visible to the caller (an area within theirs, or above them) and open
        cur.execute(sql["round"], [round_id])
        rows = cur.fetchall()
        if not rows:
            return None
        starts_at, ends_at, ratio = _aware(rows[0][0]), _aware(rows[0][1]), rows[0][2]
        round_paths = tuple(r[3] for r in rows)
        if not any(
            rp.startswith(user_paths) or any(up.startswith(rp) for up in user_paths)
            for rp in round_paths
        ):
            return None
        at = timezone.now()
        if not starts_at <= at <= ends_at + ROUND_GRACE:
            return None
        # the person, with everything the swab depends on
        head = [round_id, round_id, uuid_db]
        if key[0] == "pk":
            cur.execute(sql["person_by_pk"], [*head, key[1]])
        else:
            cur.execute(sql["person_by_index"], [*head, key[1]])
        row = cur.fetchone()
        if row is None:
            return None
        pid, name, status, area_id, area_path, controlled, key_group, sampled, retry = row
        if status != "active" or sampled or retry or not area_path.startswith(round_paths):
            return None
        single = bool(controlled or key_group)
    try:
        return _write(sql, round_id, point_id, point_area, ratio, barcode, pid, name, area_id,
                      single, at, uuid_db, cid, by)  # fmt: skip
    except (_Handover, IntegrityError):
        return None


def _write(sql, round_id, point_id, point_area, ratio, barcode, pid, name, area_id, single, at, uuid_db,
           cid, by) -> QuickResult:  # fmt: skip
    adapt = connection.ops.adapt_datetimefield_value
    at_db = adapt(at)
    sampler_id = by.pk
    opened = False
    with _gate(), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql["bump"], [at_db, TubeState.CLOSED, at_db, barcode, round_id, point_id,
                                  TubeState.OPEN, TubeKind.SINGLE, not single])  # fmt: skip
        row = cur.fetchone()
        if row is not None:
            tube_id, kind, count, capacity, state = row
        else:
            kind = TubeKind.SINGLE if single else TubeKind.POOLED
            capacity = 1 if single else ratio
            state = TubeState.CLOSED if capacity <= 1 else TubeState.OPEN
            cur.execute(sql["new_tube"], [barcode, round_id, point_id, point_area, kind,
                                          capacity, state, sampler_id, sampler_id, at_db, at_db,
                                          at_db, at_db if state == TubeState.CLOSED else None])  # fmt: skip
            got = cur.fetchone()
            if got is None:  # the tube exists but may not take this swab: the full path says why
                raise _Handover
            tube_id, count, opened = got[0], 1, True
        cur.execute(sql["member"], [tube_id, round_id, pid, area_id, at_db, sampler_id, uuid_db,
                                    False])  # fmt: skip
        member_id = cur.fetchone()[0]
        closed = state == TubeState.CLOSED
        after = {
            "id": member_id, "tube": tube_id, "round": round_id, "person": pid, "area": area_id,
            "sampled_at": at.isoformat(), "sampler": sampler_id, "client_uuid": str(cid),
            "repeat": False,
        }  # fmt: skip
        detail = member_audit_detail(barcode, kind, count, capacity, opened=opened, closed=closed)
        after_db = AuditLog._meta.get_field("after").get_db_prep_save(after, connection)
        from fangkong.core.context import request_id_var

        cur.execute(sql["audit"], [at_db, sampler_id, by.username, AuditLog.Action.CREATE,
                                   TubeMember._meta.label_lower, str(member_id),
                                   f"{tube_id}:{pid}", after_db, detail[:500],
                                   request_id_var.get()])  # fmt: skip
    return QuickResult(member_id, barcode, kind, count, capacity, closed, name)
