"""Importing persons and households from .xlsx: every bad row reported with its row number,
column and reason; all-or-nothing or good rows only; duplicates matched, not copied."""

import io

import pytest
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from fangkong.core.errors import PermissionDenied, ValidationFailed
from fangkong.core.models import AuditLog, TimelineEvent
from fangkong.people.idnumber import check_character
from fangkong.people.models import Household, ImportJob, Person
from fangkong.people.services.imports import run_import, start_import
from fangkong.people.sheet import HEADERS
from tests.factories import PersonFactory
from tests.people.conftest import row, xlsx

A = "500242002001"  # village_a (township A)
B = "500242101001"  # village_b (township B)
ZHANG = "513101198201130014"


def rid(birth="19900101", seq="001", area="500242"):
    first17 = f"{area}{birth}{seq}"
    return first17 + check_character(first17)


def run(user, content, mode="all"):
    job = start_import(by=user, filename="人员.xlsx", content=content, mode=mode)
    return run_import(job.pk)


def errors(job):
    return [(e.row, e.field, e.message) for e in job.row_errors.all()]


GOOD = [
    row("张三", ZHANG, A, phone="13800138000", address="桃花路1号", floor=3, categories="kc01"),
    row("张小三", rid("20100305", "002"), A, address="桃花路1号", floor=3),
    row("John Smith", "E12345678", A, doc_type="护照", sex="男", birth="1980-02-03"),
]


def test_good_rows_are_imported_into_households(users, county):
    job = run(users["township_a"], xlsx(GOOD))
    assert job.status == "done", job.message
    assert (job.created_count, job.matched_count, job.households_created) == (3, 0, 1)
    zhang = Person.objects.get(name="张三")
    assert zhang.id_number == ZHANG and zhang.name_initials == "zs"
    assert zhang.household.address == "桃花路1号" and zhang.household.floor == 3
    assert zhang.household.members.count() == 2
    assert list(zhang.categories.values_list("code", flat=True)) == ["kc01"]
    smith = Person.objects.get(name="John Smith")
    assert (smith.doc_type, smith.sex) == ("passport", "M")
    # one audit row for the import: counts and the ids written, no personal data
    entry = AuditLog.objects.get(action="import", detail__startswith="3 created")
    ids = sorted(Person.objects.values_list("pk", flat=True))
    assert entry.after["person_ids"] == ids and entry.after["created"] == 3
    assert entry.after["household_ids"] == [zhang.household_id]
    assert ZHANG not in str(entry.after) and "张三" not in str(entry.after)
    assert not AuditLog.objects.filter(action="create", object_type="people.person").exists()
    # each person's timeline says where they came from
    assert TimelineEvent.objects.filter(
        subject_type="people.person",
        subject_id=zhang.pk,
        kind="registered",
        actor=users["township_a"],
    ).exists()


BAD = [
    (row("甲", "513101198201130015", A), "证件号码", "check character"),
    (row("乙", rid().replace("19900101", "19900230")[:17] + "0", A), "证件号码", "does not exist"),
    (row("丙", ZHANG, A, birth="1982-01-14"), "出生日期", "1982-01-13"),
    (row("丁", ZHANG, A, sex="女"), "性别", "Male"),
    (row("戊", rid(seq="003"), A, phone="12800138000"), "手机号码", "prefix"),
    (row("己", rid(seq="005"), B), "所属区域编码", "within your areas"),
    (row("庚", rid(seq="007"), "999"), "所属区域编码", "No area with code 999"),
    (row("辛", rid(seq="009"), A, categories="kc99"), "重点人员类别", "kc99"),
    (row("", rid(seq="011"), A), "姓名", "required"),
    (row("壬", rid(seq="013"), A, birth="1990-02-30"), "出生日期", "does not exist"),
    (row("癸", 513101198201130014.0, A), "证件号码", "format the column as text"),
]


@pytest.mark.parametrize(("cells", "column", "reason"), BAD, ids=[b[1] + b[2] for b in BAD])
def test_each_bad_row_is_reported_with_row_column_and_reason(users, county, cells, column, reason):
    job = run(users["township_a"], xlsx([GOOD[0], cells]))
    assert job.status == "rejected"
    [(number, field, message)] = errors(job)
    assert (number, field) == (3, column)
    assert reason in message
    assert not Person.objects.exists()  # all or nothing


def test_a_full_width_id_number_in_a_ledger_is_imported(users, county):
    full_width = ZHANG.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    job = run(users["township_a"], xlsx([row("张三", full_width, A)]))
    assert job.status == "done" and not errors(job), errors(job)
    assert Person.objects.get().id_number == ZHANG


def test_all_or_nothing_imports_nothing_when_a_row_is_bad(users, county):
    job = run(users["township_a"], xlsx([*GOOD, BAD[0][0], BAD[4][0]]), mode="all")
    assert job.status == "rejected" and job.error_count == 2
    assert "nothing was imported" in job.message
    assert [e[0] for e in errors(job)] == [5, 6]
    assert Person.objects.count() == 0 and Household.objects.count() == 0


def test_good_rows_only_imports_the_good_rows(users, county):
    job = run(users["township_a"], xlsx([*GOOD, BAD[0][0]]), mode="good")
    assert job.status == "done"
    assert (job.created_count, job.error_count) == (3, 1)
    assert Person.objects.count() == 3


def test_duplicates_are_matched_not_copied(users, county):
    existing = PersonFactory(area=county.village_a, name="张三", id_number=ZHANG)
    sheet = [
        *GOOD,
        row("李四", rid(seq="021"), A),
        row("李四", rid(seq="021"), A, categories="kc03"),
    ]
    job = run(users["township_a"], xlsx(sheet))
    assert (job.created_count, job.matched_count) == (3, 2)
    assert Person.objects.filter(id_number_index=existing.id_number_index).count() == 1
    assert list(existing.categories.values_list("code", flat=True)) == ["kc01"]
    li = Person.objects.get(name="李四")
    assert list(li.categories.values_list("code", flat=True)) == ["kc03"]


def test_a_file_that_is_not_a_spreadsheet_is_one_clear_error(users, county):
    with pytest.raises(ValidationFailed) as exc:
        start_import(by=users["township_a"], filename="x.xlsx", content=b"name,id\n", mode="all")
    assert exc.value.fields == {"file": ["The file is not an Excel workbook (.xlsx)."]}
    assert not ImportJob.objects.exists()


def test_missing_and_unknown_columns_are_refused_on_upload(users, county):
    headers = [h for h in HEADERS if h != "证件号码"] + ["血型"]
    with pytest.raises(ValidationFailed) as exc:
        start_import(
            by=users["township_a"], filename="x.xlsx", content=xlsx([], headers), mode="all"
        )
    message = exc.value.fields["file"][0]
    assert "Missing columns: 证件号码" in message and "Unknown columns: 血型" in message


def test_columns_may_come_in_any_order_with_common_aliases(users, county):
    content = xlsx([[ZHANG, "张三", A]], ["身份证号", "姓名*", "所属区域编码"])
    assert run(users["township_a"], content).created_count == 1


def test_only_importers_may_import(users, county):
    with pytest.raises(PermissionDenied):
        start_import(by=users["village_a"], filename="x.xlsx", content=xlsx(GOOD), mode="all")


def test_the_import_runs_as_a_background_task(users, county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(
            by=users["township_a"], filename="x.xlsx", content=xlsx(GOOD), mode="all"
        )
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("run_import_task")
    # what a worker does with it
    assert queued.task.call(*queued.args_kwargs["args"]) == "done"
    job.refresh_from_db()
    assert job.created_count == 3


def test_a_failure_while_writing_leaves_nothing_half_written(users, county, monkeypatch):
    from fangkong.core import audit

    def boom(*a, **kw):
        raise RuntimeError("disk full")

    job = start_import(by=users["township_a"], filename="x.xlsx", content=xlsx(GOOD), mode="good")
    monkeypatch.setattr(audit, "record", boom)  # the import's last write
    with pytest.raises(RuntimeError):
        run_import(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert Person.objects.count() == 0 and Household.objects.count() == 0


def test_pages_upload_progress_and_error_report(users, county, login):
    client = login(users["township_a"])
    template = client.get("/people/imports/template.xlsx")
    wb = load_workbook(io.BytesIO(b"".join(template.streaming_content)))
    assert [c.value for c in wb.worksheets[0][1]] == HEADERS
    upload = io.BytesIO(xlsx([GOOD[0], BAD[0][0]]))
    upload.name = "ledger.xlsx"
    resp = client.post("/people/imports/new/", {"file": upload, "mode": "good"})
    assert resp.status_code == 302
    job = ImportJob.objects.get()
    page = client.get(resp["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page  # polls while waiting
    run_import(job.pk)
    partial = client.get(resp["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in partial and "check character" in partial
    report = client.get(f"/people/imports/{job.pk}/errors.xlsx")
    ws = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    assert [c.value for c in ws[2]][:2] == [3, "证件号码"]
    bad = io.BytesIO(b"not a spreadsheet")
    bad.name = "x.xlsx"
    resp = client.post("/people/imports/new/", {"file": bad, "mode": "all"})
    assert resp.status_code == 422 and "not an Excel workbook" in resp.content.decode()
    # another user's import does not exist for them
    assert login(users["county"]).get(f"/people/imports/{job.pk}/").status_code == 404


def test_import_api(users, county, login):
    client = login(users["township_a"])
    upload = io.BytesIO(xlsx(GOOD))
    upload.name = "ledger.xlsx"
    resp = client.post("/api/v1/imports", {"file": upload, "mode": "good"})
    assert resp.status_code == 201, resp.content
    job_id = resp.json()["id"]
    run_import(job_id)
    status = client.get(f"/api/v1/imports/{job_id}").json()
    assert (status["status"], status["created_count"], status["finished"]) == ("done", 3, True)
    assert client.get(f"/api/v1/imports/{job_id}/errors").json()["count"] == 0
    assert login(users["township_b"]).get(f"/api/v1/imports/{job_id}").status_code == 404
    bad = io.BytesIO(b"x")
    bad.name = "x.xlsx"
    resp = client.post("/api/v1/imports", {"file": bad, "mode": "all"})
    assert resp.status_code == 422 and resp.json()["error"]["fields"]["file"]


# --- the uploaded file: encrypted while it waits, deleted when the job ends ---------------------
def stored_file(job) -> bytes:
    """The job's file as the database holds it (no decryption)."""
    from django.db import connection

    table = job._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT content FROM {table} WHERE id = %s", [job.pk])  # noqa: S608
        return bytes(cur.fetchone()[0] or b"")


@pytest.fixture
def own_key_file(settings, tmp_path, monkeypatch):
    """Key rotation writes the key file and swaps the keyring: a file of the test's own, and
    the session's keyring back afterwards."""
    from fangkong.core import pii

    monkeypatch.delenv("FANGKONG_PII_KEYS", raising=False)
    settings.FANGKONG_PII_KEY_FILE = tmp_path / "pii_keys.json"
    saved = pii.keyring()
    yield
    pii.set_keyring(saved)


def test_the_file_is_encrypted_while_it_waits_and_deleted_once_the_job_is_done(
    users, county, own_key_file
):
    from fangkong.core import pii
    from fangkong.core.services.keys import rotate_keys

    content = xlsx(GOOD)
    job = start_import(by=users["township_a"], filename="x.xlsx", content=content, mode="all")
    raw = stored_file(job)
    assert raw.startswith(f"v1:{pii.keyring().current}:".encode())
    assert content not in raw and b"PK\x03\x04" not in raw  # not the zip the workbook is
    assert ImportJob.objects.get(pk=job.pk).content == content  # the worker reads it back
    # a key rotation re-encrypts it with the rest of the personal data
    old_key = pii.keyring().current
    rotate_keys()
    assert pii.keyring().current != old_key
    assert stored_file(job).startswith(f"v1:{pii.keyring().current}:".encode())
    assert ImportJob.objects.get(pk=job.pk).content == content

    job = run_import(job.pk)
    assert job.status == "done" and job.created_count == 3
    assert stored_file(job) == b""
    assert "3 persons added" in ImportJob.objects.get(pk=job.pk).message  # the summary stays


@pytest.mark.parametrize("mode", ["all", "good"])
def test_a_rejected_import_keeps_its_row_errors_without_the_numbers_and_drops_the_file(
    users, county, mode
):
    bad_id, bad_phone = "513101198201130015", "12800138000"
    job = run(
        users["township_a"],
        xlsx([row("甲", bad_id, A), row("戊", rid(seq="003"), A, phone=bad_phone)]),
        mode=mode,
    )
    assert job.status in ("rejected", "done")
    reasons = errors(job)
    assert [(r, f) for r, f, _m in reasons] == [(2, "证件号码"), (3, "手机号码")]
    assert bad_id not in str(reasons) and bad_phone not in str(reasons)
    assert stored_file(job) == b""


def test_a_failed_import_drops_its_file(users, county, monkeypatch):
    from fangkong.core import audit

    def boom(*a, **kw):
        raise RuntimeError("disk full")

    job = start_import(by=users["township_a"], filename="x.xlsx", content=xlsx(GOOD), mode="good")
    monkeypatch.setattr(audit, "record", boom)
    with pytest.raises(RuntimeError):
        run_import(job.pk)
    assert ImportJob.objects.get(pk=job.pk).status == "failed"
    assert stored_file(job) == b""
