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


@bind_retry
@task()
@retrying(max_attempts=1)
def rescan_duplicates(scan_id: int) -> int:
    """Rebuild the likely-duplicates table (one attempt: a failure is shown with the scan)."""
    from fangkong.people.duplicates import run_rescan

    return run_rescan(scan_id).candidates
