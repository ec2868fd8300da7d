"""Platform background tasks."""

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
