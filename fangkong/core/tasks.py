"""Platform background tasks."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from fangkong.core.services.tasks import bind_retry, current_attempt, retrying


@bind_retry
@task()
@retrying(max_attempts=3, base_delay=0.5)
def ping(message: str = "pong", fail_times: int = 0) -> str:
    """Answers ``message``; with ``fail_times`` its first attempts fail (a check of the worker
    and of the retry path, also from the failed-tasks page)."""
    if current_attempt.get() <= fail_times:
        raise RuntimeError(f"planned failure on attempt {current_attempt.get()}")
    return message


@bind_retry
@task()
@retrying(max_attempts=1)
def run_export_task(job_id: int) -> str:
    """Write one export too long to stream (one attempt: a failure is shown on the
    export's page and in the asker's bell)."""
    from fangkong.core.services.exports import run_export
    from fangkong.core.views.exports import list_rows

    return run_export(job_id, list_rows).status


@bind_retry
@task()
@retrying(max_attempts=3, base_delay=30)
def purge_exports(every_minutes: int = 0) -> int:
    """Delete expired export files; with ``every_minutes`` the task queues its own next
    run, so one ``fangkong purge_exports --enqueue --every 60`` keeps the worker doing it."""
    from fangkong.core.services import exports

    expired = exports.purge_exports()
    if every_minutes > 0:
        purge_exports.using(run_after=timezone.now() + timedelta(minutes=every_minutes)).enqueue(
            every_minutes=every_minutes
        )
    return expired
