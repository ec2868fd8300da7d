"""Background tasks of the arrivals ledgers."""

from django_tasks import task

from fangkong.core.services.tasks import bind_retry, retrying


@bind_retry
@task()
@retrying(max_attempts=1)
def run_ledger_import_task(job_id: int) -> str:
    """Check and write one ledger sheet (one attempt: a failure leaves nothing written and
    is shown on the import's page)."""
    from fangkong.arrivals.services.imports import run_ledger_import

    return run_ledger_import(job_id).status
