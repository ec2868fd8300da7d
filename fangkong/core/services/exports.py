"""Exports too long to stream, written by the worker into a file its asker downloads.

A list page whose export is longer than ``FANGKONG_EXPORT_BACKGROUND_ROWS`` calls
``request_export``: the job keeps the page's path and query and the asker's areas at that
moment, is audited, and is queued; the same export already waiting or running is returned
instead, so nothing is computed twice. The worker (``run_export``) rebuilds the list as the
page would (same filters, columns and masking), scoped to exactly the areas kept, writes it
under ``FANGKONG_EXPORT_DIR`` with a random name, counting the rows as it goes, and tells
the asker through the bell. ``open_download`` gives the file to its asker only, while they
still hold the permission and the areas, until it expires (410 after); each download is
audited. ``purge_exports`` deletes expired and stray files.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import DomainError, Gone, NotFound
from fangkong.core.export import stream_xlsx
from fangkong.core.models import EXPORT_ACTIVE, ExportJob, ExportStatus, User
from fangkong.core.notifications import notify
from fangkong.core.scoping import fold, get_visible_or_404, within

log = logging.getLogger("fangkong.exports")
PROGRESS_EVERY = 2000
STRAY_AFTER = 3600  # seconds: a file no job points to, left by a worker cut short

# (job, the asker scoped to the job's areas) -> (headers, rows, how many rows)
ListBuilder = Callable[[ExportJob, User], tuple[list[str], Iterable[Sequence[Any]], int]]


def export_dir() -> Path:
    folder = Path(settings.FANGKONG_EXPORT_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def file_path(job: ExportJob) -> Path:
    return export_dir() / f"{job.file_token}.xlsx"


def _remove(job: ExportJob) -> None:
    if job.file_token:
        for path in (file_path(job), file_path(job).with_suffix(".part")):
            path.unlink(missing_ok=True)


def _key(by: Actor, path: str, query: str, full: bool, scope: Sequence[str]) -> str:
    parts = [str(by.pk), path, query, "full" if full else "masked", translation.get_language()]
    return hashlib.sha256("\x1f".join([*map(str, parts), *scope]).encode()).hexdigest()


def request_export(
    *, by: Actor, path: str, query: str, title: str, filename: str, permission: str, full: bool
) -> tuple[ExportJob, bool]:
    """Queue the export of the list at ``path`` (``query``: its filters and order) for
    ``by``, within ``by``'s areas as they are now. Returns the job and whether it is new:
    the same export still waiting or running is returned instead of a second one."""
    scope = list(fold(by.area_paths))
    key = _key(by, path, query, full, scope)
    running = ExportJob.objects.filter(key=key, status__in=EXPORT_ACTIVE).first()
    if running is not None:
        return running, False
    from fangkong.core.tasks import run_export_task

    try:
        with transaction.atomic():
            job = ExportJob.objects.create(
                created_by=by, key=key, title=str(title)[:200], filename=filename[:200],
                path=path[:300], query=query, full=full, permission=permission, scope=scope,
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )  # fmt: skip
            audit.record(
                audit.Action.EXPORT,
                job,
                by=by,
                detail=f"queued; {'full' if full else 'masked'}; filters: {query}"[:500],
            )
            transaction.on_commit(lambda: run_export_task.enqueue(job.pk))
    except IntegrityError:  # asked twice at once: the other request's job
        return ExportJob.objects.get(key=key, status__in=EXPORT_ACTIVE), False
    return job, True


def exports_for(user: Actor):
    return ExportJob.objects.visible_to(user)


def get_export(user: Actor, pk: Any) -> ExportJob:
    """One of the user's own exports (404 for anyone else's)."""
    return get_visible_or_404(exports_for(user), user, pk=pk)


def _still_allowed(user: User, job: ExportJob) -> bool:
    """The asker still holds the permission and every area the rows were taken from."""
    return (
        user.is_active
        and user.can(job.permission)
        and (not job.full or user.can("pii.export_full"))
        and all(within(p, user.area_paths) for p in job.scope)
    )


def open_download(user: Actor, pk: Any) -> tuple[ExportJob, BinaryIO]:
    """The export's file, opened, for its asker; audited. NotFound for anyone else, for
    an asker who lost the permission or an area, and before the file is ready; Gone once
    it has expired."""
    job = get_export(user, pk)
    if not _still_allowed(user, job):
        raise NotFound(_("Not found, or not within your areas."))
    gone = Gone(_("This export has expired and its file was deleted: export the list again."))
    if job.status == ExportStatus.EXPIRED:
        raise gone
    if job.status != ExportStatus.DONE:
        raise NotFound(_("This export is not ready yet."))
    if job.expires_at is not None and job.expires_at <= timezone.now():
        raise gone
    try:
        fileobj = file_path(job).open("rb")
    except FileNotFoundError:
        raise gone from None
    audit.record(
        audit.Action.EXPORT,
        job,
        by=user,
        detail=f"downloaded; {job.written_rows} rows; {'full' if job.full else 'masked'}",
    )
    return job, fileobj


def _asker(job: ExportJob) -> User:
    """The asker, seeing exactly the areas kept with the job (not any gained since)."""
    user = job.created_by
    if user is None or not _still_allowed(user, job):
        raise NotFound(
            _("Your role or areas changed since you asked for this export; nothing was written.")
        )
    user.__dict__["area_paths"] = tuple(job.scope)  # the cached property, pinned
    return user


def _write(job: ExportJob, headers: list[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write the workbook to a part file, counting rows, then put it in place; its size."""
    written = 0

    def counted() -> Iterator[Sequence[Any]]:
        nonlocal written
        for row in rows:
            yield row
            written += 1
            if written % PROGRESS_EVERY == 0:
                job.set_progress(written_rows=written)

    final = file_path(job)
    part = final.with_suffix(".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in stream_xlsx(headers, counted(), title=job.title):
            out.write(chunk)
    os.replace(part, final)
    job.set_progress(written_rows=written)
    return final.stat().st_size


def _fail(job: ExportJob, message: str) -> None:
    _remove(job)
    job.set_progress(status=ExportStatus.FAILED, message=message[:500], finished_at=timezone.now())
    if job.created_by is not None:
        notify(
            [job.created_by],
            kind="export",
            title=_("Your export “%(t)s” failed.") % {"t": job.title},
            url=job.get_absolute_url(),
        )


def run_export(job_id: int, build: ListBuilder) -> ExportJob:
    """Write one export job's file (called by the background task). A run cut short
    starts again from nothing."""
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    if job.finished:
        return job
    with translation.override(job.language):
        _remove(job)
        job.set_progress(
            status=ExportStatus.RUNNING, started_at=timezone.now(), written_rows=0,
            file_token=secrets.token_urlsafe(24),
        )  # fmt: skip
        try:
            user = _asker(job)
            headers, rows, total = build(job, user)
            job.set_progress(total_rows=total)
            size = _write(job, headers, rows)
        except DomainError as exc:
            _fail(job, str(exc.message))
            return job
        except Exception:
            log.exception("export failed", extra={"job": job.pk})
            _fail(job, _("The export failed unexpectedly; try again later."))
            raise
        now = timezone.now()
        job.set_progress(
            status=ExportStatus.DONE, size=size, finished_at=now,
            expires_at=now + timedelta(hours=settings.FANGKONG_EXPORT_KEEP_HOURS),
        )  # fmt: skip
        notify(
            [user],
            kind="export",
            title=_("Your export “%(t)s” is ready: %(n)d rows.")
            % {"t": job.title, "n": job.written_rows},
            url=job.get_absolute_url(),
        )
    return job


def purge_exports() -> int:
    """Delete the files of exports past their time (their jobs marked expired), files no
    job points to, and the jobs themselves after the retention period (their filters may
    hold a name searched for). Returns how many exports expired."""
    now = timezone.now()
    expired = 0
    for job in ExportJob.objects.filter(status=ExportStatus.DONE, expires_at__lte=now):
        _remove(job)
        job.set_progress(status=ExportStatus.EXPIRED)
        expired += 1
    live = set(
        ExportJob.objects.filter(status__in=(*EXPORT_ACTIVE, ExportStatus.DONE)).values_list(
            "file_token", flat=True
        )
    )
    for path in export_dir().iterdir():
        stem = path.name.split(".", 1)[0]
        if stem not in live and path.stat().st_mtime < time.time() - STRAY_AFTER:
            path.unlink(missing_ok=True)
    old = now - timedelta(days=settings.FANGKONG_RETENTION_DAYS)
    ExportJob.objects.filter(created_at__lt=old).exclude(status__in=EXPORT_ACTIVE).delete()
    if expired:
        log.info("exports expired", extra={"count": expired})
    return expired
