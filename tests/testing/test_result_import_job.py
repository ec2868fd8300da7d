"""A lab's results file is recorded in the background.

The upload checks the file's header at once and queues a job; the worker records the rows
part by part, each part committed with the job's progress, so the job's page follows it and
a run that stops half-way carries on later without recording any row twice. Bad rows are
listed with their row number, tube barcode, column and reason; the good rows are recorded.
Only the uploader, the technicians of the lab and the command centre over the lab's area
see the job; for anyone else it does not exist.
"""

import io
import threading

import pytest
from django.db import connection, connections
from django.utils import translation
from django_tasks_db.models import DBTaskResult
from openpyxl import Workbook, load_workbook

from fangkong.core.errors import NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditLog
from fangkong.core.roles import Role
from fangkong.core.services.tasks import TaskRetryScheduled
from fangkong.testing import services
from fangkong.testing.models import Result, ResultImportJob, RetestTask, Tube
from fangkong.testing.services import result_imports
from fangkong.testing.tasks import run_result_import_task


# --- helpers ---------------------------------------------------------------------------------
def xlsx(rows, header=("条码", "结果", "CT值")):
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv(rows, header="barcode,outcome,ct"):
    lines = [header, *(",".join(map(str, r)) for r in rows)]
    return ("\n".join(lines) + "\n").encode()


def upload(name, content):
    f = io.BytesIO(content)
    f.name = name
    return f


@pytest.fixture
def tubes(residents, swab, to_lab, users):
    """Six closed pooled tubes, one swab each, received at the lab."""
    out = []
    for i, person in enumerate(residents[:6]):
        tube = swab(person, f"P{i + 1:07d}").tube
        out.append(services.close_tube(tube, by=users["sampler_a"]))
    to_lab(*out)
    return [Tube.objects.get(pk=t.pk) for t in out]


@pytest.fixture
def never_received(residents, swab, users):
    """A closed tube still at the testing point."""
    tube = swab(residents[11], "P0000099").tube
    return services.close_tube(tube, by=users["sampler_a"])


def start(users, content, name="lab.xlsx", who="lab"):
    return services.start_result_import(by=users[who], lab=None, filename=name, content=content)


def run(users, content, name="lab.xlsx"):
    return services.run_result_import(start(users, content, name).pk)


def bad_rows(job):
    return [(e.row, e.barcode, e.field, e.message) for e in job.row_errors.all()]


# --- a good file -----------------------------------------------------------------------------
def test_a_good_file_is_queued_and_the_worker_records_every_row_once(
    tubes, users, lab, django_capture_on_commit_callbacks
):
    rows = [(t.barcode, "阴性", "ORF1ab:36.5;N:35.1") for t in tubes[:5]]
    rows.append((tubes[5].barcode, "阳性", "28"))
    with django_capture_on_commit_callbacks(execute=True):
        job = start(users, xlsx(rows))
    assert (job.status, job.lab, job.created_by) == ("pending", lab, users["lab"])
    assert not Result.objects.exists()  # nothing recorded in the upload's request
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("run_result_import_task")

    assert queued.task.call(*queued.args_kwargs["args"]) == "done"  # what a worker does
    job.refresh_from_db()
    assert (job.total_rows, job.processed_rows, job.percent) == (6, 6, 100)
    assert (job.recorded_count, job.positive_count, job.error_count) == (6, 1, 0)
    assert "6 results recorded (1 positive), 0 bad rows" in job.message
    assert job.started_at and job.finished_at and job.finished
    assert Result.objects.count() == 6
    assert Result.objects.get(tube=tubes[0]).ct_values == {"ORF1ab": 36.5, "N": 35.1}
    assert set(Tube.objects.values_list("state", flat=True)) == {"tested"}
    # the positive tube's follow-up ran as it does for a result entered by hand
    assert RetestTask.objects.filter(source_tube=tubes[5]).count() == 1
    # the upload and the finished import are in the change log
    assert AuditLog.objects.filter(action="import", object_type="testing.resultimportjob",
                                   object_id=str(job.pk)).count() == 2  # fmt: skip


def test_running_the_same_job_again_records_nothing_twice(tubes, users, lab):
    job = run(users, csv([(t.barcode, "negative", "") for t in tubes]), "lab.csv")
    assert job.status == "done" and job.recorded_count == 6
    again = services.run_result_import(job.pk)
    assert (again.status, again.recorded_count, again.error_count) == ("done", 6, 0)
    assert Result.objects.count() == 6 and not job.row_errors.exists()


def test_a_run_stopped_half_way_is_retried_and_carries_on_without_recording_twice(
    tubes, users, lab, monkeypatch
):
    monkeypatch.setattr(result_imports, "CHUNK_ROWS", 2)
    real = result_imports.record_results
    calls = []

    def crash_on_the_second_part(rows, **kw):
        calls.append([r["barcode"] for r in rows])
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(rows, **kw)

    monkeypatch.setattr(result_imports, "record_results", crash_on_the_second_part)
    job = start(users, csv([(t.barcode, "negative", "") for t in tubes]), "lab.csv")
    with pytest.raises(TaskRetryScheduled):
        run_result_import_task.call(job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.recorded_count) == ("failed", 2, 2)
    assert "stopped after 2 of 6 rows" in job.message
    assert Result.objects.count() == 2  # the first part stands; the second rolled back

    retry = DBTaskResult.objects.get(args_kwargs__kwargs___attempt=2)  # scheduled by the retry
    assert retry.task.call(*retry.args_kwargs["args"], **retry.args_kwargs["kwargs"]) == "done"
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.recorded_count, job.error_count) == (
        "done", 6, 6, 0)  # fmt: skip
    assert calls[2][0] == tubes[2].barcode  # carried on after the part recorded
    assert Result.objects.count() == 6


def test_a_run_refused_after_parts_were_recorded_is_failed_not_rejected(
    tubes, users, lab, monkeypatch
):
    from fangkong.core.models import UserRole

    monkeypatch.setattr(result_imports, "CHUNK_ROWS", 2)
    real = result_imports.record_results
    calls = []

    def crash_on_the_second_part(rows, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(rows, **kw)

    monkeypatch.setattr(result_imports, "record_results", crash_on_the_second_part)
    job = start(users, csv([(t.barcode, "negative", "") for t in tubes]), "lab.csv")
    with pytest.raises(TaskRetryScheduled):
        run_result_import_task.call(job.pk)
    UserRole.objects.filter(user=users["lab"]).delete()  # the technician left the lab
    result_imports.run_result_import(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"  # not "rejected: nothing imported": two results stand
    assert "Stopped after 2 of 6 rows" in job.message
    assert Result.objects.count() == job.recorded_count == 2


def test_a_tube_repeated_across_parts_is_still_caught(tubes, users, lab, monkeypatch):
    monkeypatch.setattr(result_imports, "CHUNK_ROWS", 2)
    rows = [(t.barcode, "negative", "") for t in tubes[:3]] + [(tubes[0].barcode, "positive", "")]
    job = run(users, csv(rows), "lab.csv")
    assert job.recorded_count == 3
    assert bad_rows(job) == [(5, tubes[0].barcode, "barcode",
                              "This tube appears twice in the file.")]  # fmt: skip
    assert Result.objects.get(tube=tubes[0]).outcome == "negative"


# --- bad rows --------------------------------------------------------------------------------
def test_a_file_with_bad_rows_records_the_good_ones_and_lists_each_bad_row(
    tubes, never_received, users, lab
):
    rows = [
        (tubes[0].barcode, "negative", ""),  # row 2
        ("NOSUCH01", "negative", ""),  # row 3: unknown tube
        (tubes[1].barcode, "negative", ""),  # row 4
        (tubes[2].barcode, "unclear", ""),  # row 5: not an outcome
        (tubes[3].barcode, "negative", ""),  # row 6
        (never_received.barcode, "negative", ""),  # row 7: never received at a lab
        (None, None, None),  # row 8: blank, skipped
        (tubes[4].barcode, "positive", "N:abc"),  # row 9: Ct not a number
        ("", "negative", ""),  # row 10: no barcode
    ]
    job = run(users, xlsx(rows, header=("barcode", "outcome", "ct")))
    assert job.status == "done"
    assert (job.total_rows, job.recorded_count, job.error_count) == (8, 3, 5)
    assert sorted(Result.objects.values_list("tube__barcode", flat=True)) == [
        tubes[0].barcode, tubes[1].barcode, tubes[3].barcode]  # fmt: skip
    assert bad_rows(job) == [
        (3, "NOSUCH01", "barcode", "Unknown tube NOSUCH01."),
        (5, tubes[2].barcode, "outcome",
         "'unclear' is not an outcome: negative, positive or invalid."),
        (7, never_received.barcode, "barcode",
         f"Tube {never_received.barcode} was never received at a lab: receive its box first."),
        (9, tubes[4].barcode, "ct", "Ct values are numbers, e.g. ORF1ab:32.1;N:30.5."),
        (10, "", "barcode", "The barcode is empty."),
    ]  # fmt: skip
    assert Tube.objects.get(pk=tubes[2].pk).state == "received"


def test_the_jobs_messages_are_in_the_uploaders_language(tubes, users, lab):
    with translation.override("zh-hans"):
        job = start(users, csv([("NOSUCH01", "negative", "")]), "lab.csv")
    job = services.run_result_import(job.pk)  # the worker runs in the default language
    assert bad_rows(job)[0][3] == "未知的采样管 NOSUCH01。"


# --- refused on upload -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("lab.xlsx", b"barcode,outcome\nP1,negative\n", "not a readable .xlsx file"),
        ("lab.pdf", b"%PDF-1.4", "Send a .xlsx or .csv file"),
        ("lab.csv", b"barcode,verdict\nP1,negative\n", "no outcome column"),
        ("lab.xlsx", xlsx([["negative"]], header=("结果",)), "no barcode column"),
        ("lab.csv", b"", "The file is empty"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_on_upload_naming_the_file(
    users, lab, name, content, reason, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as e:
        start(users, content, name)
    assert list(e.value.fields) == ["file"] and reason in str(e.value.message)
    assert not ResultImportJob.objects.exists() and not DBTaskResult.objects.exists()


def test_a_file_over_the_size_cap_is_refused_on_upload(users, lab, monkeypatch):
    monkeypatch.setattr(result_imports, "MAX_BYTES", 10)
    with pytest.raises(ValidationFailed) as e:
        start(users, csv([("P0000001", "negative", "")]), "lab.csv")
    assert "file" in e.value.fields


def test_too_many_rows_are_refused_whole_by_the_worker(tubes, users, lab, monkeypatch):
    monkeypatch.setattr("fangkong.testing.services.lab.MAX_ROWS", 3)
    job = run(users, csv([(t.barcode, "negative", "") for t in tubes]), "lab.csv")
    assert job.status == "rejected" and "At most 3 rows" in job.message
    assert not Result.objects.exists()


def test_only_lab_technicians_import_results(users, lab, login):
    for who in ("county", "township_a", "sampler_a"):
        with pytest.raises(PermissionDenied):
            start(users, csv([]), "lab.csv", who=who)
    page = login(users["county"]).post(
        "/testing/lab/", {"action": "import", "file": upload("lab.csv", csv([]))}
    )
    assert page.status_code == 403
    api = login(users["township_a"]).post(
        "/api/v1/testing/results/import", {"file": upload("lab.csv", csv([]))}
    )
    assert api.status_code == 403
    assert not ResultImportJob.objects.exists()


# --- who sees a job --------------------------------------------------------------------------
@pytest.fixture
def seen_by(users, county, make_user, lab):
    """Besides the users fixture: a second technician of the same lab, a technician of
    another lab, and a command-centre account over township B only (the lab is the
    county's, above it)."""
    colleague = make_user(Role.LAB_TECHNICIAN, county.county, username="lab_a2")
    lab.technicians.add(colleague)
    other = make_user(Role.LAB_TECHNICIAN, county.county, username="lab_b")
    services.create_lab(name="龙潭镇卫生院实验室", code="LT1", area=county.town_b,
                        technicians=[other], by=users["county"])  # fmt: skip
    users.update(
        lab_a2=colleague,
        lab_b=other,
        command_b=make_user(Role.COUNTY_COMMAND, county.town_b, username="command_b"),
    )
    return users


def test_a_job_is_seen_by_its_lab_and_the_command_centre_and_is_404_for_others(
    seen_by, access, tubes
):
    job = run(seen_by, csv([("NOSUCH01", "negative", "")]), "lab.csv")
    for url in (f"/testing/lab/imports/{job.pk}/", f"/testing/lab/imports/{job.pk}/errors.xlsx",
                f"/api/v1/testing/results/imports/{job.pk}",
                f"/api/v1/testing/results/imports/{job.pk}/errors"):  # fmt: skip
        access.check(url, api=url.startswith("/api/"), allowed=["lab", "lab_a2", "county"],
                     denied_role=["township_a", "sampler_a", "auditor"],
                     other_area=["lab_b", "command_b"])  # fmt: skip
    visible = ResultImportJob.objects.visible_to
    assert [list(visible(seen_by[u])) for u in ("lab", "lab_a2", "county")] == [[job]] * 3
    assert not visible(seen_by["lab_b"]).exists() and not visible(seen_by["command_b"]).exists()


def test_a_technician_imports_only_for_their_own_lab(seen_by, lab):
    other_lab = services.create_lab(name="第三方实验室", code="X1", area=lab.area,
                                    by=seen_by["county"])  # fmt: skip
    with pytest.raises(NotFound) as exc:
        services.start_result_import(by=seen_by["lab"], lab=other_lab, filename="r.csv",
                                     content=csv([]))  # fmt: skip
    assert "lab" in exc.value.fields
    assert not ResultImportJob.objects.exists()


# --- progress --------------------------------------------------------------------------------
def _read_from_another_connection(job_id):
    """The job's progress as the page sees it: from another thread, so another connection."""
    seen = {}

    def read():
        try:
            job = ResultImportJob.objects.get(pk=job_id)
            seen.update(status=job.status, processed=job.processed_rows,
                        recorded=job.recorded_count)  # fmt: skip
        finally:
            connections.close_all()

    t = threading.Thread(target=read)
    t.start()
    t.join(timeout=30)
    return seen


@pytest.mark.django_db(transaction=True)
def test_progress_is_committed_part_by_part_for_the_page_to_follow(tubes, users, lab, monkeypatch):
    monkeypatch.setattr(result_imports, "CHUNK_ROWS", 2)
    real = result_imports.record_results
    progress = []

    def watched(rows, **kw):
        # between two parts: what another connection sees of the job so far
        progress.append(_read_from_another_connection(job.pk))
        return real(rows, **kw)

    monkeypatch.setattr(result_imports, "record_results", watched)
    job = start(users, csv([(t.barcode, "negative", "") for t in tubes]), "lab.csv")
    services.run_result_import(job.pk)
    assert progress == [
        {"status": "writing", "processed": 0, "recorded": 0},
        {"status": "writing", "processed": 2, "recorded": 2},
        {"status": "writing", "processed": 4, "recorded": 4},
    ]
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.recorded_count) == ("done", 6, 6)


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_same_job_at_once_record_each_row_once(
    tubes, users, lab, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database cannot hold two writers at once")
    monkeypatch.setattr(result_imports, "CHUNK_ROWS", 1)
    job = start(users, csv([(t.barcode, "negative", "") for t in tubes]), "lab.csv")
    barrier = threading.Barrier(2)
    failures: list = []

    def worker():
        try:
            barrier.wait()
            services.run_result_import(job.pk)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    job.refresh_from_db()
    assert (job.status, job.recorded_count, job.error_count) == ("done", 6, 0)
    assert Result.objects.count() == 6 and not job.row_errors.exists()


# --- pages and API ---------------------------------------------------------------------------
def test_the_lab_page_queues_the_file_and_the_job_page_follows_it(tubes, users, lab, login):
    client = login(users["lab"])
    rows = [(tubes[0].barcode, "negative", ""), ("NOSUCH01", "negative", "")]
    resp = client.post("/testing/lab/", {"action": "import", "file": upload("结果.csv", csv(rows))})
    assert resp.status_code == 302
    job = ResultImportJob.objects.get()
    assert resp["Location"] == f"/testing/lab/imports/{job.pk}/"
    page = client.get(resp["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and "结果.csv" in page  # polls while waiting
    services.run_result_import(job.pk)
    partial = client.get(resp["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "<html" not in partial  # done: stops polling
    assert "Unknown tube NOSUCH01." in partial and 'data-testid="recorded">1<' in partial
    report = client.get(f"/testing/lab/imports/{job.pk}/errors.xlsx")
    ws = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    assert [c.value for c in ws[1]] == ["行号", "管码", "列", "原因"]
    assert [c.value for c in ws[2]] == [3, "NOSUCH01", "barcode", "Unknown tube NOSUCH01."]
    assert f"/testing/lab/imports/{job.pk}/" in client.get("/testing/lab/").content.decode()


def test_a_file_refused_on_the_lab_page_says_why_by_the_file_input(users, lab, login):
    resp = login(users["lab"]).post(
        "/testing/lab/", {"action": "import", "file": upload("lab.csv", b"code,verdict\n")}
    )
    assert resp.status_code == 422
    assert 'data-testid="file-error"' in resp.content.decode()
    assert "The file has no barcode column" in resp.content.decode()
    assert not ResultImportJob.objects.exists()


def test_the_import_api_answers_202_with_a_status_url(tubes, users, lab, login):
    client = login(users["lab"])
    rows = [(tubes[0].barcode, "positive", "30"), ("NOSUCH01", "negative", "")]
    resp = client.post("/api/v1/testing/results/import", {"file": upload("lab.csv", csv(rows))})
    assert resp.status_code == 202, resp.content
    body = resp.json()
    status_url = f"/api/v1/testing/results/imports/{body['id']}"
    assert (body["status"], body["finished"], body["lab_id"]) == ("pending", False, lab.pk)
    assert body["status_url"] == resp["Location"] == status_url
    services.run_result_import(body["id"])
    status = client.get(status_url).json()
    assert (status["status"], status["finished"], status["percent"]) == ("done", True, 100)
    assert (status["recorded_count"], status["positive_count"], status["error_count"]) == (1, 1, 1)
    assert status["errors"] == [{"row": 3, "barcode": "NOSUCH01", "field": "barcode",
                                 "message": "Unknown tube NOSUCH01."}]  # fmt: skip
    errors = client.get(status["errors_url"]).json()
    assert errors["count"] == 1 and errors["items"] == status["errors"]
    bad = client.post("/api/v1/testing/results/import", {"file": upload("lab.xlsx", b"x")})
    assert bad.status_code == 422 and list(bad.json()["error"]["fields"]) == ["file"]


def test_a_file_over_the_limit_is_refused_naming_the_file_and_nothing_is_queued(
    tubes, users, lab, login, monkeypatch
):
    monkeypatch.setattr(result_imports, "MAX_BYTES", 2 * 1024 * 1024)
    client = login(users["lab"])
    big = csv([(tubes[0].barcode, "negative", "")] * 150_000)  # ~3 MB
    resp = client.post("/api/v1/testing/results/import", {"file": upload("big.csv", big)})
    assert resp.status_code == 422
    assert resp.json()["error"]["fields"]["file"] == ["The file is larger than 2 MB."]
    page = client.post("/testing/lab/", {"action": "import", "file": upload("big.csv", big)})
    assert page.status_code == 422 and "The file is larger than 2 MB." in page.content.decode()
    assert not ResultImportJob.objects.exists()


def test_the_page_of_a_failed_import_keeps_looking_for_the_automatic_retry(
    tubes, users, lab, login
):
    client = login(users["lab"])
    job = start(users, csv([(tubes[0].barcode, "negative", "")]), "lab.csv")
    job.set_progress(status="failed", message="stopped", finished_at=job.created_at)
    partial = client.get(f"/testing/lab/imports/{job.pk}/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 10s"' in partial.content.decode()


def test_the_import_api_refuses_a_lab_the_caller_does_not_work_at_naming_lab_id(
    seen_by, lab, login
):
    client = login(seen_by["lab_b"])
    resp = client.post(f"/api/v1/testing/results/import?lab_id={lab.pk}",
                       {"file": upload("lab.csv", csv([("P0000001", "negative", "")]))})  # fmt: skip
    assert resp.status_code == 404
    assert "lab_id" in resp.json()["error"]["fields"]
    assert not ResultImportJob.objects.exists()


# --- the uploaded file: encrypted while it waits, deleted when the job ends ---------------------
def stored_file(job) -> bytes:
    table = job._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT content FROM {table} WHERE id = %s", [job.pk])  # noqa: S608
        return bytes(cur.fetchone()[0] or b"")


def test_the_results_file_is_encrypted_while_waiting_and_deleted_when_done(tubes, users, lab):
    content = csv([(t.barcode, "negative", "") for t in tubes])
    job = start(users, content, "lab.csv")
    raw = stored_file(job)
    assert raw.startswith(b"v1:") and tubes[0].barcode.encode() not in raw
    job = services.run_result_import(job.pk)
    assert job.status == "done" and job.recorded_count == 6
    assert stored_file(job) == b""


def test_a_failed_attempt_keeps_the_file_for_the_retry_and_the_last_one_drops_it(
    tubes, users, lab, monkeypatch
):
    def crash(rows, **kw):
        raise RuntimeError("database gone")

    monkeypatch.setattr(result_imports, "record_results", crash)
    job = start(users, csv([(t.barcode, "negative", "") for t in tubes]), "lab.csv")
    for attempt in (1, 2):
        with pytest.raises(TaskRetryScheduled):
            run_result_import_task.call(job.pk, _attempt=attempt)
        assert stored_file(job).startswith(b"v1:")  # the retry needs it
    with pytest.raises(RuntimeError):
        run_result_import_task.call(job.pk, _attempt=3)  # the last attempt
    assert stored_file(job) == b""
    # retried by hand from the failed-tasks page: a clear message, nothing recorded
    monkeypatch.undo()
    job = services.run_result_import(job.pk)
    assert job.status == "rejected" and "upload it again" in job.message
    assert not Result.objects.exists()


def test_a_file_refused_by_the_worker_is_deleted(tubes, users, lab):
    from fangkong.core.models import UserRole

    job = start(users, csv([(t.barcode, "negative", "") for t in tubes]), "lab.csv")
    UserRole.objects.filter(user=users["lab"]).delete()  # refused: the role was withdrawn
    job = services.run_result_import(job.pk)
    assert job.status == "rejected"
    assert stored_file(job) == b""
