"""A list too long to stream is exported by the worker: the page says so and shows the
rows written, the bell says when the file is ready, the file is its asker's alone (while
they keep the role and the areas), masked as the page's export, and gone after its time."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from fangkong.core.models import AuditLog, ExportJob, Notice
from fangkong.core.services import exports
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def big(settings, tmp_path, county):
    """A "very long" list: more than two rows in township A, one in township B."""
    settings.FANGKONG_EXPORT_BACKGROUND_ROWS = 2
    settings.FANGKONG_EXPORT_DIR = tmp_path / "exports"
    for i in range(3):
        PersonFactory(area=county.village_a, name=f"张{i}", id_number=f"51310119820113{i:04d}")
    PersonFactory(area=county.village_b, name="李四")


def ask(client, capture, url="/people/persons/?export=xlsx"):
    with capture(execute=True):
        resp = client.get(url)
    assert resp.status_code == 302, resp.status_code
    return ExportJob.objects.get(pk=resp.url.rstrip("/").rsplit("/", 1)[1])


def work(job):
    """What the worker does with the queued task."""
    queued = [
        t
        for t in DBTaskResult.objects.filter(task_path__endswith="run_export_task")
        if t.args_kwargs["args"] == [job.pk]
    ]
    assert len(queued) == 1
    queued = queued[0]
    queued.task.call(*queued.args_kwargs["args"])
    job.refresh_from_db()
    return job


def sheet(resp):
    data = b"".join(resp.streaming_content)
    return [list(r) for r in load_workbook(io.BytesIO(data)).active.values]


def test_a_long_export_is_queued_shows_its_progress_and_gives_the_masked_file(
    big, users, login, django_capture_on_commit_callbacks
):
    client = login(users["township_a"])
    job = ask(client, django_capture_on_commit_callbacks)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Waiting" in page and 'hx-trigger="every 2s"' in page  # polls while it waits
    work(job)
    assert job.status == ExportJob.Status.DONE and job.written_rows == job.total_rows == 3
    progress = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "3 of 3 rows written" in progress and "hx-trigger" not in progress
    notice = Notice.objects.get(user=users["township_a"], kind="export")
    assert "ready: 3 rows" in notice.title and notice.url == job.get_absolute_url()
    rows = sheet(client.get(f"/exports/{job.pk}/download/"))
    assert sorted(r[0] for r in rows[1:]) == ["张0", "张1", "张2"]  # township A only
    assert {r[1] for r in rows[1:]} == {"513101************"}  # masked as the page's export
    details = list(AuditLog.objects.filter(action="export").values_list("detail", flat=True))
    assert [d.split(";")[0] for d in details] == ["downloaded", "queued"]


def test_the_file_is_its_askers_only_while_they_keep_the_role_and_the_area(
    big, users, county, login, django_capture_on_commit_callbacks, make_user
):
    job = work(ask(login(users["township_a"]), django_capture_on_commit_callbacks))
    url = f"/exports/{job.pk}/download/"
    colleague = make_user("township_officer", county.town_a, username="colleague")
    assert login(colleague).get(url).status_code == 404
    assert login(colleague).get(job.get_absolute_url()).status_code == 404
    assert login(users["county"]).get(url).status_code == 404
    asker = users["township_a"]
    asker.areas.set([county.town_b])  # moved to another township
    assert login(asker).get(url).status_code == 404
    assert AuditLog.objects.filter(action="export", detail__startswith="downloaded").count() == 0


def test_an_expired_link_says_so_and_the_purge_deletes_the_file(
    big, users, login, django_capture_on_commit_callbacks
):
    client = login(users["township_a"])
    job = work(ask(client, django_capture_on_commit_callbacks))
    path = exports.file_path(job)
    assert path.exists()
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    gone = client.get(f"/exports/{job.pk}/download/")
    assert gone.status_code == 410 and "expired" in gone.content.decode()
    assert exports.purge_exports() == 1
    assert not path.exists()
    assert client.get(f"/exports/{job.pk}/download/").status_code == 410
    assert "export the list again" in client.get(job.get_absolute_url()).content.decode()


def test_the_same_export_asked_again_while_it_runs_is_the_same_job(
    big, users, login, django_capture_on_commit_callbacks
):
    client = login(users["township_a"])
    first = ask(client, django_capture_on_commit_callbacks)
    again = ask(client, django_capture_on_commit_callbacks)
    assert again.pk == first.pk
    assert DBTaskResult.objects.filter(task_path__endswith="run_export_task").count() == 1
    other = ask(client, django_capture_on_commit_callbacks, "/people/persons/?export=xlsx&q=张")
    assert other.pk != first.pk  # another filter is another export
    work(first)
    after = ask(client, django_capture_on_commit_callbacks)
    assert after.pk != first.pk  # once done, asking again makes a fresh file


def test_an_asker_who_lost_the_area_before_the_worker_ran_gets_no_file(
    big, users, county, login, django_capture_on_commit_callbacks
):
    asker = users["township_a"]
    job = ask(login(asker), django_capture_on_commit_callbacks)
    asker.areas.set([county.town_b])
    work(job)
    assert job.status == ExportJob.Status.FAILED and "nothing was written" in job.message
    assert not list(exports.export_dir().iterdir())
    assert "failed" in Notice.objects.get(user=asker, kind="export").title


def test_a_short_list_still_streams_at_once(big, users, login, settings):
    settings.FANGKONG_EXPORT_BACKGROUND_ROWS = 3
    resp = login(users["township_a"]).get("/people/persons/?export=xlsx")
    assert resp.status_code == 200 and resp.streaming
    assert not ExportJob.objects.exists()


def test_a_run_cut_short_starts_again_from_nothing(
    big, users, login, django_capture_on_commit_callbacks
):
    job = ask(login(users["township_a"]), django_capture_on_commit_callbacks)
    job.set_progress(status=ExportJob.Status.RUNNING, file_token="lost", written_rows=2)
    left = exports.file_path(job).with_suffix(".part")
    left.write_bytes(b"half a workbook")  # what a worker killed mid-way leaves
    work(job)  # queued again by the orphan check, run again
    assert job.status == ExportJob.Status.DONE and job.written_rows == 3
    assert not left.exists() and job.file_token != "lost"


def test_every_exportable_list_can_be_rebuilt_by_the_worker(county, make_user):
    """The worker rebuilds a list from its path and query alone: each list page with an
    export works without a browser's request (no session, no htmx)."""
    from django.urls import reverse

    from fangkong.core.roles import Role
    from fangkong.core.views.exports import list_rows
    from fangkong.core.views.generic import ObjectListView
    from tests.test_meta_scoping import pages

    user = make_user(Role.COUNTY_COMMAND, county.county)
    checked = 0
    for page in pages():
        cls = getattr(page.view.callback, "view_class", None)
        if page.kwargs or cls is None or not issubclass(cls, ObjectListView):
            continue
        if not cls.export_permission or not user.can(cls.export_permission):
            continue
        job = ExportJob(created_by=user, path=reverse(page.name), query="sort=", full=False)
        headers, rows, total = list_rows(job, user)
        assert headers and list(rows) == [] and total == 0, page.name
        checked += 1
    assert checked >= 5


def test_the_purge_runs_at_once_or_queues_itself_for_the_worker(big):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("purge_exports", stdout=out)
    assert out.getvalue().strip() == "expired=0"
    call_command("purge_exports", enqueue=True, every=60, stdout=out)
    queued = DBTaskResult.objects.get(task_path__endswith="purge_exports")
    assert queued.args_kwargs["kwargs"] == {"every_minutes": 60}
