"""Background work on the database queue (django-tasks + django-tasks-db).

``retrying`` gives a task retries with exponential backoff: a failed attempt schedules the
next one and is recorded as ``TaskRetryScheduled``; only the last attempt's failure is a
final failure, listed on the failed-tasks page.

A worker killed in the middle of a task (power cut, OOM, ``kill -9``) leaves its row
"running" for ever; ``requeue_orphans`` fails such rows and queues their task again. The
tasks are written to be run again safely (imports carry on from their last saved part,
notifications send only what is still queued).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import NotFound
from fangkong.core.permissions import require

log = logging.getLogger("fangkong.tasks")
RETRY_CLASS = "fangkong.core.services.tasks.TaskRetryScheduled"
ORPHAN_CLASS = "fangkong.core.services.tasks.WorkerLost"
current_attempt: ContextVar[int] = ContextVar("current_attempt", default=1)


class TaskRetryScheduled(Exception):
    """This attempt failed; another is scheduled."""


class WorkerLost(Exception):
    """The worker running this attempt stopped before it ended; the task was queued again."""


def retrying(
    max_attempts: int = 5,
    base_delay: float = 10.0,
    on_give_up: Callable[..., None] | None = None,
):
    """Decorate the function of a django-tasks ``@task`` so that failures retry with backoff.

    The attempt number travels in the ``_attempt`` keyword; delays are base·2^(n-1) seconds.
    ``on_give_up`` is called with the task's arguments when the last attempt has failed
    (an import deletes its file then).
    """

    def wrap(func):
        @functools.wraps(func)
        def inner(*args: Any, _attempt: int = 1, **kwargs: Any):
            token = current_attempt.set(_attempt)
            try:
                return func(*args, **kwargs)
            except Exception as exc:
                if _attempt >= max_attempts:
                    log.error(
                        "task failed for good", extra={"task": func.__name__, "attempt": _attempt}
                    )
                    if on_give_up is not None:
                        try:
                            on_give_up(*args, **kwargs)
                        except Exception:
                            log.exception("clean-up after the last attempt failed")
                    raise
                delay = timedelta(seconds=base_delay * 2 ** (_attempt - 1))
                task_obj = inner.task  # type: ignore[attr-defined]  # set by bind_retry
                task_obj.using(run_after=timezone.now() + delay).enqueue(
                    *args, _attempt=_attempt + 1, **kwargs
                )
                log.warning(
                    "task failed, retry scheduled",
                    extra={
                        "task": func.__name__,
                        "attempt": _attempt,
                        "delay_s": delay.total_seconds(),
                    },
                )
                raise TaskRetryScheduled(
                    f"attempt {_attempt}/{max_attempts} failed ({type(exc).__name__}: {exc}); "
                    f"next in {delay.total_seconds():.0f}s"
                ) from exc
            finally:
                current_attempt.reset(token)

        return inner

    return wrap


def bind_retry(task_obj):
    """Let the retrying wrapper find the Task object it must re-enqueue."""
    task_obj.func.task = task_obj
    return task_obj


def final_failures():
    """Failed for good: not an attempt followed by a retry, nor an orphan queued again."""
    return DBTaskResult.objects.failed().exclude(
        exception_class_path__in=[RETRY_CLASS, ORPHAN_CLASS]
    )


@transaction.atomic
def _enqueue_again(result: DBTaskResult) -> Any:
    stored = result.args_kwargs or {}
    kwargs = dict(stored.get("kwargs") or {})
    kwargs.pop("_attempt", None)
    return result.task.enqueue(*(stored.get("args") or []), **kwargs)


@transaction.atomic
def requeue_orphans(*, older_than: timedelta) -> list[str]:
    """Fail every task that has been "running" for longer than ``older_than`` (its worker is
    gone) and queue it again with its arguments. Returns the new task ids. At the start of
    the only worker (``fangkong serve``), any running task is an orphan: ``older_than`` 0."""
    cutoff = timezone.now() - older_than
    stale = list(
        DBTaskResult.objects.running()
        .filter(started_at__lt=cutoff)
        .select_for_update(skip_locked=True)
    )
    now = timezone.now()
    again = []
    for result in stale:
        result.status = TaskResultStatus.FAILED
        result.finished_at = now
        result.exception_class_path = ORPHAN_CLASS
        result.traceback = "worker lost: still running at " + now.isoformat()
        result.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
        new = _enqueue_again(result)
        again.append(str(new.id))
        log.warning(
            "task %s orphaned (%s); queued again as %s", result.pk, result.task_path, new.id
        )
        audit.record(
            audit.Action.UPDATE,
            by=None,
            object_type="django_tasks_db.dbtaskresult",
            object_id=str(result.pk),
            detail=f"worker lost; queued again as {new.id}",
        )
    return again


@transaction.atomic
def retry_failed(result_id: Any, *, by: Actor) -> Any:
    """Queue a finally-failed task again with its original arguments."""
    require(by, "task.retry")
    result = final_failures().filter(pk=result_id).first()
    if result is None:
        raise NotFound(_("No such failed task."))
    new = _enqueue_again(result)
    audit.record(
        audit.Action.UPDATE,
        by=by,
        object_type="django_tasks_db.dbtaskresult",
        object_id=str(result_id),
        detail=f"retried as {new.id}",
    )
    return new
