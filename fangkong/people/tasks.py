"""Background tasks of the people registry."""

from django_tasks import task

from fangkong.core.services.tasks import bind_retry, retrying


@bind_retry
@task()
@retrying(max_attempts=1)
def run_import_task(job_id: int) -> str:
    """Check and write one spreadsheet import (one attempt: a failure leaves nothing written
    and is shown on the import's page)."""
    from fangkong.people.services.imports import run_import

    job = run_import(job_id)
    return job.status
