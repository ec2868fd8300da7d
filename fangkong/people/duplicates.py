"""Likely duplicates, found as persons are written instead of scanned per request.

Three keys may say that two records are one person: the same document number, the same
name and birth date, the same name and phone. Every active person who shares a key with
another active person has a ``DuplicateCandidate`` row for it (key: a blind index of the
values), so the duplicates page reads a short table instead of grouping the registry.

The rows are kept by whatever writes persons: a single save through the model's signal
(``refresh([pk])``: registration, edit, merge, the API, factories), bulk writes by calling
``refresh`` (import) or ``rescan_all`` (the synthetic county) themselves, the purge by
``refresh`` after it. A full rescan (``start_rescan``) rebuilds the table in the background,
one at a time, for after a key rotation or a repair.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actors import Actor
from fangkong.core.db import chunks
from fangkong.core.errors import Conflict
from fangkong.core.permissions import require
from fangkong.core.pii import blind_index
from fangkong.people.choices import DuplicateReason, PersonStatus
from fangkong.people.models import DuplicateCandidate, DuplicateScan, Person

R = DuplicateReason
# the person's fields each key is made of
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    R.SAME_ID: ("id_number_index",),
    R.NAME_BIRTH: ("name", "birth_date"),
    R.NAME_PHONE: ("name", "phone_index"),
}
# a change to one of these (or to the status) may change a person's groups
EMPTY: dict[str, dict[str, Any]] = {
    "id_number_index": {"id_number_index": ""},
    "birth_date": {"birth_date__isnull": True},
    "phone_index": {"phone_index": ""},
}
WATCHED = frozenset({"name", "birth_date", "id_number_index", "phone_index", "status"})
SCAN_TIMEOUT = dt.timedelta(hours=2)  # a scan running longer than this has died with its worker


def key_of(reason: str, values: tuple[Any, ...]) -> str:
    """The matching key of ``values`` (the reason's fields), "" when one of them is empty."""
    if any(v in (None, "") for v in values):
        return ""
    if reason == R.SAME_ID:
        return str(values[0])
    return blind_index(
        "|".join(v.isoformat() if hasattr(v, "isoformat") else str(v) for v in values)
    )


def _matchable() -> QuerySet[Person]:
    return Person._base_manager.filter(status=PersonStatus.ACTIVE, purged_at__isnull=True)


def _rows(reason: str, groups: Iterable[list[int]], key: str) -> Iterator[DuplicateCandidate]:
    for members in groups:
        for pk in members:
            yield DuplicateCandidate(person_id=pk, reason=reason, key=key)


def _members(reason: str, values: list[tuple[Any, ...]]) -> dict[str, list[int]]:
    """key -> ids of the active persons holding those values, for groups of two or more.

    Looked up by the key's first field (``IN``, on its index) and matched on the whole key
    here: an import's tens of thousands of values cost a few statements, where an ``OR``
    of one condition per value cost hundreds of statements the database plans one by one."""
    fields = KEY_FIELDS[reason]
    wanted = set(values)
    first = f"{fields[0]}__in"
    out: dict[str, list[int]] = {}
    for part in chunks(sorted({v[0] for v in wanted}, key=str), 5000):
        grouped = (
            _matchable().filter(**{first: part}).values(*fields).annotate(n=Count("id"))
        ).filter(n__gt=1)
        found = {tuple(g[f] for f in fields) for g in grouped} & wanted
        if not found:
            continue
        heads = sorted({v[0] for v in found}, key=str)
        for row in _matchable().filter(**{first: heads}).values_list("pk", *fields).order_by("pk"):
            v = tuple(row[1:])
            if v in found:
                out.setdefault(key_of(reason, v), []).append(row[0])
    return out


def refresh(person_ids: Iterable[int]) -> None:
    """Bring the candidate rows of ``person_ids`` and of the groups they leave or join up to
    date with the persons as saved. Call inside the transaction that wrote them."""
    ids = sorted(set(person_ids))
    if not ids:
        return
    left: set[tuple[str, str]] = set()
    values: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
    for part in chunks(ids):
        old = DuplicateCandidate.objects.filter(person_id__in=part)
        left.update(old.values_list("reason", "key"))
        old.delete()
        fields = sorted({f for fs in KEY_FIELDS.values() for f in fs})
        for row in _matchable().filter(pk__in=part).values(*fields):
            for reason, fs in KEY_FIELDS.items():
                v = tuple(row[f] for f in fs)
                if all(x not in (None, "") for x in v):  # has a key (not computed: a hash)
                    values[reason].add(v)
    # groups a person left: the one record left alone is no longer a candidate
    for reason in {r for r, _k in left}:
        keys = [k for r, k in left if r == reason]
        lone = (
            DuplicateCandidate.objects.filter(reason=reason, key__in=keys)
            .values("key")
            .annotate(n=Count("id"))
            .filter(n__lt=2)
            .values_list("key", flat=True)
        )
        DuplicateCandidate.objects.filter(reason=reason, key__in=list(lone)).delete()
    # groups a person joined (or stays in): every member has its row
    new: list[DuplicateCandidate] = []
    for reason, vs in values.items():
        for key, members in _members(reason, list(vs)).items():
            new.extend(_rows(reason, [members], key))
    DuplicateCandidate.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)


def rescan_all() -> int:
    """Rebuild every candidate row from the registry (one ordered pass per key); returns the
    number of rows. Minutes at most at county scale: run by ``rescan`` in the background."""
    total = 0
    with transaction.atomic():
        DuplicateCandidate.objects.all().delete()
        for reason, fields in KEY_FIELDS.items():
            rows = (
                _matchable()
                .exclude(**EMPTY[fields[-1]])
                .values_list(*fields, "pk")
                .order_by(*fields, "pk")
                .iterator(chunk_size=5000)
            )
            batch: list[DuplicateCandidate] = []
            for values, group in groupby(rows, key=lambda r: tuple(r[:-1])):
                members = [r[-1] for r in group]
                if len(members) > 1:
                    batch.extend(_rows(reason, [members], key_of(reason, values)))
                if len(batch) >= 5000:
                    DuplicateCandidate.objects.bulk_create(batch)
                    total, batch = total + len(batch), []
            DuplicateCandidate.objects.bulk_create(batch)
            total += len(batch)
    return total


# --- the background rescan, one at a time ------------------------------------------------------
class RescanRunning(Conflict):
    code = "rescan_running"


def start_rescan(*, by: Actor) -> DuplicateScan:
    """Queue a full rescan; refused while one is running (started less than two hours ago,
    or its worker would have finished it)."""
    from fangkong.people.tasks import rescan_duplicates

    require(by, "person.rescan_duplicates")
    now = timezone.now()
    DuplicateScan.objects.filter(running=True, started_at__lt=now - SCAN_TIMEOUT).update(
        running=None, finished_at=now, error="abandoned: no answer from the worker"
    )
    try:
        with transaction.atomic():
            scan = DuplicateScan.objects.create(started_by=by if by.is_authenticated else None)
    except IntegrityError:  # the unique "running" flag: another scan holds it
        other = DuplicateScan.objects.filter(running=True).first()
        at = timezone.localtime(other.started_at).strftime("%H:%M") if other else "?"
        raise RescanRunning(
            _(
                "A rescan for duplicates is already running (started at %(at)s); its results "
                "will show here when it ends."
            )
            % {"at": at}  # fmt: skip
        ) from None
    transaction.on_commit(lambda: rescan_duplicates.enqueue(scan.pk))
    return scan


def run_rescan(scan_id: int) -> DuplicateScan:
    """The background task's body: rebuild, then release the scan's flag."""
    scan = DuplicateScan.objects.get(pk=scan_id)
    try:
        scan.candidates = rescan_all()
    except Exception as exc:
        scan.error = f"{type(exc).__name__}: {exc}"[:300]
        raise
    finally:
        scan.running = None
        scan.finished_at = timezone.now()
        scan.save(update_fields=["running", "finished_at", "candidates", "error"])
    return scan


def last_scan() -> DuplicateScan | None:
    return DuplicateScan.objects.order_by("-started_at", "-id").first()
