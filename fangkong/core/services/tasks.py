"""Background work on the database queue (django-tasks + django-tasks-db).

``retrying`` gives a task retries with exponential backoff: a failed attempt schedules the
next one and is recorded as ``TaskRetryScheduled``; only the last attempt's failure is a
final failure, listed on the failed-tasks page.
"""

from __future__ import annotations

import functools
import logging
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from fangkong.core import audit
from fangkong.core.errors import NotFound
from fangkong.core.permissions import require

log = logging.getLogger("fangkong.tasks")
RETRY_CLASS = "fangkong.core.services.tasks.TaskRetryScheduled"
current_attempt: ContextVar[int] = ContextVar("current_attempt", default=1)


class TaskRetryScheduled(Exception):
    """This attempt failed; another is scheduled."""


def retrying(max_attempts: int = 5, base_delay: float = 10.0):
    """Decorate the function of a django-tasks ``@task`` so that failures retry with backoff.

    The attempt number travels in the ``_attempt`` keyword; delays are base·2^(n-1) seconds.
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
                    raise
                delay = timedelta(seconds=base_delay * 2 ** (_attempt - 1))
                task_obj = inner.task  # set by bind_retry
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
    return DBTaskResult.objects.failed().exclude(exception_class_path=RETRY_CLASS)


@transaction.atomic
def retry_failed(result_id: Any, *, by: Any) -> Any:
    """Queue a finally-failed task again with its original arguments."""
    require(by, "task.retry")
    result = final_failures().filter(pk=result_id).first()
    if result is None:
        raise NotFound(_("No such failed task."))
    stored = result.args_kwargs or {}
    kwargs = dict(stored.get("kwargs") or {})
    kwargs.pop("_attempt", None)
    new = result.task.enqueue(*(stored.get("args") or []), **kwargs)
    audit.record(
        audit.Action.UPDATE,
        by=by,
        object_type="django_tasks_db.dbtaskresult",
        object_id=str(result_id),
        detail=f"retried as {new.id}",
    )
    return new
