"""Background work of the testing pipeline: sending the notifications a positive queued,
recording a lab's results file."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from fangkong.core.services.tasks import bind_retry, retrying
from fangkong.core.sms import get_gateway
from fangkong.testing.choices import NotificationState
from fangkong.testing.models import Notification, ResultImportJob
from fangkong.testing.states import NotificationMachine


def deliver(ids: list[int]) -> int:
    """Send the queued notifications among ``ids``; returns how many were sent. A message
    without a phone number, or that the gateway refuses, is marked failed with the reason.
    Either way its use is over: the body (it names the persons) and the phone number are
    cleared; the recipient, tube, state and times stay."""
    gateway = get_gateway()
    sent = 0
    for n in Notification.objects.filter(pk__in=ids, state=NotificationState.QUEUED):
        if not n.phone:
            NotificationMachine.move(n, NotificationState.FAILED)
            n.error = "no phone number"
        else:
            try:
                gateway.send(n.phone, n.message)
            except Exception as exc:  # any gateway failure is recorded, not raised
                NotificationMachine.move(n, NotificationState.FAILED)
                n.error = f"{type(exc).__name__}: {exc}"[:300]
            else:
                NotificationMachine.move(n, NotificationState.SENT)
                n.sent_at = timezone.now()
                sent += 1
        n.message, n.phone = "", ""
        n.save(update_fields=["state", "error", "sent_at", "message", "phone"])
    return sent


@bind_retry
@task()
@retrying(max_attempts=3, base_delay=5)
def send_notifications(ids: list[int]) -> int:
    return deliver(ids)


def queue_on_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: send_notifications.enqueue(list(ids)))


def _drop_result_file(job_id: int) -> None:
    ResultImportJob.drop_file(job_id)


@bind_retry
@task()
@retrying(max_attempts=3, base_delay=30, on_give_up=_drop_result_file)
def run_result_import_task(job_id: int) -> str:
    """Record one lab results file. A failed attempt is retried: the parts recorded stay
    recorded and the next attempt carries on after them."""
    from fangkong.testing.services.result_imports import run_result_import

    return run_result_import(job_id).status
