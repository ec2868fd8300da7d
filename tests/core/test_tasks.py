"""Background work: a task runs to the end in the real worker; failures retry with backoff;
a task that fails for good is listed for admins, who can queue it again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from fangkong.core.models import AuditLog
from fangkong.core.services.tasks import RETRY_CLASS, final_failures
from fangkong.core.tasks import ping

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    """The worker recycles its database connection between tasks; inside a test's transaction
    that would close the connection holding the test data (PostgreSQL), so it is a no-op."""
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )


def run_worker():
    """The real worker, until the queue has nothing ready."""
    call_command("db_worker", batch=True, queue_name="*", interval=0, startup_delay=False)


def make_everything_due():
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())


def results():
    return DBTaskResult.objects.order_by("enqueued_at")


def test_a_task_runs_to_the_end_in_the_worker():
    queued = ping.enqueue(message="你好")
    assert DBTaskResult.objects.get(pk=queued.id).status == TaskResultStatus.READY
    run_worker()
    done = DBTaskResult.objects.get(pk=queued.id)
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert done.return_value == "你好"
    assert done.finished_at is not None


def test_the_fangkong_worker_command_runs_tasks():
    queued = ping.enqueue()
    call_command("worker", batch=True, interval=0)
    assert DBTaskResult.objects.get(pk=queued.id).return_value == "pong"


def test_a_failed_attempt_schedules_a_retry_with_backoff():
    queued = ping.enqueue(message="again", fail_times=1)
    before = timezone.now()
    run_worker()
    first = DBTaskResult.objects.get(pk=queued.id)
    assert first.status == TaskResultStatus.FAILED
    assert first.exception_class_path == RETRY_CLASS
    assert "attempt 1/3 failed" in first.traceback
    retry = DBTaskResult.objects.exclude(pk=queued.id).get()
    assert retry.status == TaskResultStatus.READY
    assert retry.run_after is not None and retry.run_after > before
    assert retry.args_kwargs["kwargs"]["_attempt"] == 2
    # a retry is not a final failure: the failed-tasks page does not list it
    assert not final_failures().exists()
    # when it is due, the retry succeeds
    make_everything_due()
    run_worker()
    retry.refresh_from_db()
    assert retry.status == TaskResultStatus.SUCCESSFUL
    assert retry.return_value == "again"


def test_backoff_grows_with_each_attempt():
    ping.enqueue(fail_times=2)
    run_worker()
    first_retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    delay_1 = first_retry.run_after - first_retry.enqueued_at
    make_everything_due()
    # remember the second delay before the queue is made due again
    run_worker()
    second_retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    delay_2 = second_retry.run_after - second_retry.enqueued_at
    assert second_retry.args_kwargs["kwargs"]["_attempt"] == 3
    assert delay_2 > delay_1


@pytest.fixture
def failed_for_good():
    """A task that failed every attempt."""
    ping.enqueue(message="doomed", fail_times=99)
    for _ in range(3):
        run_worker()
        make_everything_due()
    failure = final_failures().get()
    assert failure.exception_class_path == "builtins.RuntimeError"
    return failure


def test_a_task_failing_every_attempt_is_a_final_failure(failed_for_good):
    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 3
    assert "planned failure on attempt 3" in failed_for_good.traceback


def test_failed_tasks_page_lists_it_for_admins(users, login, failed_for_good):
    response = login(users["admin"]).get("/admin/tasks/failed/")
    assert response.status_code == 200
    assert [obj.pk for obj, _ in response.context["rows"]] == [failed_for_good.pk]
    assert "planned failure on attempt 3" in response.content.decode()


def test_failed_tasks_page_access(access, failed_for_good):
    access.check(
        "/admin/tasks/failed/",
        allowed=["admin", "county"],
        denied_role=["township_a", "auditor", "lab"],
    )


def test_retry_button_queues_the_task_again(users, login, failed_for_good):
    response = login(users["admin"]).post(f"/admin/tasks/{failed_for_good.pk}/retry/")
    assert response.status_code == 302
    again = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert again.args_kwargs["kwargs"] == {"message": "doomed", "fail_times": 99}
    assert again.task_path.endswith("ping")
    assert AuditLog.objects.filter(
        object_type="django_tasks_db.dbtaskresult", object_id=str(failed_for_good.pk)
    ).exists()


def test_retry_refused_to_township_officer_and_county(users, login, failed_for_good):
    for who in ("township_a", "county"):
        response = login(users[who]).post(f"/admin/tasks/{failed_for_good.pk}/retry/")
        assert response.status_code == 403, who
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


def test_retry_of_a_task_that_did_not_fail_is_404(users, login):
    ok = ping.enqueue()
    run_worker()
    response = login(users["admin"]).post(f"/admin/tasks/{ok.id}/retry/")
    assert response.status_code == 404


def test_retry_of_an_intermediate_attempt_is_404(users, login):
    first = ping.enqueue(fail_times=1)
    run_worker()
    response = login(users["admin"]).post(f"/admin/tasks/{first.id}/retry/")
    assert response.status_code == 404


# --- a worker that died mid-task ------------------------------------------------------------


def left_running(minutes_ago: float, **kwargs):
    """A task a worker took and never finished: it died (power cut, kill -9)."""
    queued = ping.enqueue(**kwargs)
    DBTaskResult.objects.filter(pk=queued.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
        worker_ids=["dead-worker"],
    )
    return queued


def test_a_task_left_running_by_a_dead_worker_is_queued_again_and_runs():
    orphan = left_running(45, message="接着干")
    call_command("worker", batch=True, interval=0)
    old = DBTaskResult.objects.get(pk=orphan.id)
    assert old.status == TaskResultStatus.FAILED
    assert old.exception_class_path.endswith("WorkerLost")
    [again] = DBTaskResult.objects.exclude(pk=orphan.id)
    assert again.status == TaskResultStatus.SUCCESSFUL and again.return_value == "接着干"
    assert AuditLog.objects.filter(object_id=str(orphan.id), detail__startswith="worker lost")


def test_a_task_still_running_within_the_grace_period_is_left_to_its_worker():
    busy = left_running(5)
    call_command("worker", batch=True, interval=0)  # default: 30 minutes
    assert DBTaskResult.objects.get(pk=busy.id).status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.count() == 1


def test_the_only_worker_takes_every_running_task_for_an_orphan():
    orphan = left_running(0.1)
    call_command("worker", batch=True, interval=0, orphans_after=0)
    assert DBTaskResult.objects.get(pk=orphan.id).status == TaskResultStatus.FAILED
    assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 1


def test_an_orphan_queued_again_is_not_listed_as_failed_for_good():
    left_running(45)
    call_command("worker", batch=True, interval=0)
    assert not final_failures().exists()
