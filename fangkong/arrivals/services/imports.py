"""The ledger sheets (risk areas elsewhere, residents away) imported in the background, as
persons are: ``start_ledger_import`` checks the file's header at once and queues the job;
``run_ledger_import`` (the worker) checks every row, showing its progress, and writes all
the rows in one transaction only if every row is good; otherwise it writes nothing and
keeps each bad row's number, column and reason for the page and the .xlsx error report."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.arrivals import sheet
from fangkong.arrivals.models import LedgerImport, LedgerImportRowError
from fangkong.arrivals.services import away, origins
from fangkong.arrivals.services._common import Errors, check_rows
from fangkong.core.actors import Actor
from fangkong.core.errors import PermissionDenied, ValidationFailed
from fangkong.core.permissions import require
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.services.imports import queue_import_job, refuse_bad_rows, run_import_job

log = logging.getLogger("fangkong.arrivals.import")
Kind = LedgerImport.Kind


@dataclass(frozen=True)
class Ledger:
    permission: str
    columns: dict[str, tuple[str, ...]]
    required: set[str]
    # (job's asker) -> a row checker; (checked rows, asker) -> (added, kept) counts
    checker: Callable[[Actor], Callable[[dict[str, Any], Errors], dict[str, Any]]]
    write: Callable[[list[dict[str, Any]], Actor], tuple[int, int]]


def _write_origins(rows: list[dict[str, Any]], by: Actor) -> tuple[int, int]:
    r = origins.write_origins(rows, by=by)
    return r.created, r.unchanged


def _origin_checker(by: Actor) -> Callable[[dict[str, Any], Errors], dict[str, Any]]:
    source = _("Excel import")
    return lambda raw, errors: origins.check_origin_row(raw, errors, source=source)


def _away_checker(by: Actor) -> Callable[[dict[str, Any], Errors], dict[str, Any]]:
    villages = away.home_villages(by)
    return lambda raw, errors: away.check_away_row(raw, errors, villages=villages, by=by)


LEDGERS = {
    Kind.ORIGINS: Ledger("origin.manage", origins.COLUMNS, origins.REQUIRED, _origin_checker,
                         _write_origins),
    Kind.AWAY: Ledger("arrival.manage", away.COLUMNS, away.REQUIRED, _away_checker,
                      lambda rows, by: away.write_away(rows, by=by)),
}  # fmt: skip


def start_ledger_import(*, kind: str, by: Actor, filename: str, content: bytes) -> LedgerImport:
    """Check the file's header and queue its import; ValidationFailed (field ``file``)
    when it cannot be read or lacks a column."""
    ledger = LEDGERS[Kind(kind)]
    require(by, ledger.permission)
    rows = sheet.read_rows(content, ledger.columns, ledger.required)
    next(rows, None)  # reads the header (and the first row) only
    rows.close()
    from fangkong.arrivals.tasks import run_ledger_import_task

    return queue_import_job(
        LedgerImport,
        run_ledger_import_task,
        by=by,
        detail=f"queued, {kind}",
        filename=(filename or "import.xlsx")[:200],
        content=content,
        kind=kind,
    )


def ledger_imports_for(user: Actor):
    """A user follows the imports they started."""
    return LedgerImport.objects.visible_to(user).defer("content")


def get_ledger_import(user: Actor, pk: Any) -> LedgerImport:
    return get_visible_or_404(ledger_imports_for(user), user, pk=pk)


def run_ledger_import(job_id: int) -> LedgerImport:
    """Check and write one ledger import (called by the background task)."""
    job = LedgerImport.objects.select_related("created_by").get(pk=job_id)
    # refused as a whole: too many rows, or the uploader no longer allowed
    return run_import_job(job, _run, refused=(ValidationFailed, PermissionDenied), log=log)


def _run(job: LedgerImport) -> None:
    by = job.created_by
    if by is None:
        raise ValidationFailed(_("The account that started this import is gone."))
    ledger = LEDGERS[Kind(job.kind)]
    require(by, ledger.permission)
    job.set_progress(status=LedgerImport.Status.VALIDATING, started_at=timezone.now())
    raw = list(sheet.read_rows(bytes(job.content), ledger.columns, ledger.required))
    job.set_progress(total_rows=len(raw))
    checked = check_rows(raw, ledger.checker(by), lambda n: job.set_progress(processed_rows=n))
    header = {key: names[0] for key, names in ledger.columns.items()}
    bad: dict[int, list[tuple[str, str]]] = {}
    for row, key, message in checked.errors:
        bad.setdefault(row, []).append((header.get(key, key), message))
    if refuse_bad_rows(
        job, LedgerImportRowError, sorted(bad.items()), total=len(raw), all_or_nothing=True
    ):
        return
    job.set_progress(status=LedgerImport.Status.WRITING)
    added, kept = ledger.write(checked.values, by)
    job.set_progress(
        status=LedgerImport.Status.DONE,
        finished_at=timezone.now(),
        created_count=added,
        kept_count=kept,
        message=_("%(a)d entries added or changed, %(k)d updated or unchanged.")
        % {"a": added, "k": kept},
    )
