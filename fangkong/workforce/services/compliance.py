"""Test compliance from the testing pipeline's own records (no double entry).

Each worker keeps ``last_sampled_at``, ``last_result`` (the outcome of the last reported
result of a tube holding their swab), ``last_result_at`` and ``next_due_on`` (the local day
of the last sample plus the sector's test interval; the day they joined when never sampled).
``sync`` recomputes them from ``TubeMember`` and ``Result`` for the workers named (or those
with a sample or a result since ``since``), so the lists and counts are plain indexed
filters at 40,000 workers. A background task runs it every few minutes; a pass being
verified is synced first, so a checkpoint never reads a stale verdict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from fangkong.testing.choices import Outcome
from fangkong.testing.models import Result, TubeMember
from fangkong.workforce import sql
from fangkong.workforce.choices import LoopState, WorkPassVerdict
from fangkong.workforce.models import Sector, Worker

KEPT = ["last_sampled_at", "last_result", "last_result_at", "next_due_on"]
PASS_PREFIX = "FKW:"  # noqa: S105 - a QR prefix, not a secret
BATCH = 2000


def due_on(last_sampled_at: dt.datetime | None, interval: int, joined_on: dt.date) -> dt.date:
    if last_sampled_at is None:
        return joined_on
    return timezone.localdate(last_sampled_at) + dt.timedelta(days=interval)


def _changed_persons(since: dt.datetime) -> set[int]:
    sampled = TubeMember.objects.filter(sampled_at__gte=since).values_list("person_id", flat=True)
    # outcome IN (all): lets the (outcome, reported_at) index find the recent results
    tubes = Result.objects.filter(outcome__in=Outcome.values, reported_at__gte=since)
    reported = TubeMember.objects.filter(tube_id__in=tubes.values("tube_id")).values_list(
        "person_id", flat=True
    )
    return set(sampled) | set(reported)


def sync(
    *,
    person_ids: Iterable[int] | None = None,
    since: dt.datetime | None = None,
    sector: Sector | None = None,
) -> int:
    """Recompute the kept compliance of the active workers named by ``person_ids``, by
    ``since`` (a sample or a result since then) or by ``sector``; all when none is given.
    Returns how many workers changed."""
    qs = Worker.objects.filter(active=True)
    if since is not None:
        ids = _changed_persons(since)
        if person_ids is not None:
            ids |= set(person_ids)
        person_ids = ids
    if person_ids is not None:
        person_ids = list(person_ids)
        if not person_ids:
            return 0
    if sector is not None:
        qs = qs.filter(sector=sector)
    members = TubeMember.objects.filter(person_id=OuterRef("person_id")).order_by("-sampled_at")
    reported = members.filter(tube__result__reported_at__isnull=False)
    changed = 0
    chunks: list[list[int] | None] = (
        [person_ids[i : i + BATCH] for i in range(0, len(person_ids), BATCH)]
        if person_ids is not None
        else [None]
    )
    for chunk in chunks:
        part = qs if chunk is None else qs.filter(person_id__in=chunk)
        rows = part.annotate(
            s_at=Subquery(members.values("sampled_at")[:1]),
            r_out=Subquery(reported.values("tube__result__outcome")[:1]),
            r_at=Subquery(reported.values("tube__result__reported_at")[:1]),
            interval=F("sector__test_interval_days"),
        ).values_list(
            "pk", "s_at", "r_out", "r_at", "interval", "joined_on",
            "last_sampled_at", "last_result", "last_result_at", "next_due_on",
        )  # fmt: skip
        updates: list[sql.Row] = []
        for pk, s_at, r_out, r_at, interval, joined, old_s, old_r, old_ra, old_due in rows:
            due = due_on(s_at, interval, joined)
            new = (s_at, r_out or "", r_at, due)
            if new != (old_s, old_r, old_ra, old_due):
                updates.append((*new, pk))
        changed += sql.update_compliance(updates)
    return changed


# --- what a worker's record says today --------------------------------------------------


def is_overdue(worker: Worker, today: dt.date) -> bool:
    return worker.next_due_on is None or worker.next_due_on < today


def is_due_today(worker: Worker, today: dt.date) -> bool:
    return worker.next_due_on == today


def overdue_q(today: dt.date) -> Q:
    return Q(next_due_on__lt=today) | Q(next_due_on__isnull=True)


def compliant_q(today: dt.date) -> Q:
    return Q(next_due_on__gte=today)


def pass_valid_q(today: dt.date) -> Q:
    return compliant_q(today) & Q(last_result=Outcome.NEGATIVE)


@dataclass(frozen=True)
class WorkPassCheck:
    verdict: str
    label: str
    worker_id: int | None = None
    name: str = ""
    employer: str = ""
    sector: str = ""
    last_sampled_at: dt.datetime | None = None
    last_result: str = ""
    next_due_on: dt.date | None = None

    @property
    def valid(self) -> bool:
        return self.verdict == WorkPassVerdict.VALID


def mask_name(name: str) -> str:
    """The surname and a star per other character: enough to match a face and a card."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def pass_payload(worker: Worker) -> str:
    """What the worker's daily work pass QR holds."""
    return PASS_PREFIX + worker.pass_code


def verdict_for(worker: Worker, today: dt.date) -> str:
    if not worker.active or worker.loop_state == LoopState.LEFT:
        return WorkPassVerdict.LEFT
    if is_overdue(worker, today):
        return WorkPassVerdict.OVERDUE
    if worker.last_result != Outcome.NEGATIVE:
        return WorkPassVerdict.NOT_NEGATIVE
    return WorkPassVerdict.VALID


def verify_work_pass(code: str, *, today: dt.date | None = None) -> WorkPassCheck:
    """What a checkpoint shows for a scanned work pass: valid only while the worker is on
    schedule with their tests and the last result is negative. The worker's compliance is
    synced from the testing records first. The name is shown masked (surname only)."""
    today = today or timezone.localdate()
    code = (code or "").strip()
    if code.startswith(PASS_PREFIX):
        code = code[len(PASS_PREFIX) :]
    worker: Any = None
    if code and len(code) <= 32:
        worker = (
            Worker.objects.filter(pass_code=code)
            .select_related("person", "employer", "sector")
            .first()
        )
    if worker is None:
        unknown = WorkPassVerdict.UNKNOWN
        return WorkPassCheck(verdict=unknown, label=str(unknown.label))
    if worker.active and sync(person_ids=[worker.person_id]):
        worker.refresh_from_db(fields=KEPT)
    v = verdict_for(worker, today)
    return WorkPassCheck(
        verdict=v,
        label=str(WorkPassVerdict(v).label),
        worker_id=worker.pk,
        name=mask_name(worker.person.name),
        employer=worker.employer.name,
        sector=worker.sector.name,
        last_sampled_at=worker.last_sampled_at,
        last_result=worker.last_result,
        next_due_on=worker.next_due_on,
    )
