"""The ledger sheets (risk areas elsewhere, residents away) are imported in the background
like persons: the upload page answers at once, the import's page shows the rows checked,
a bad sheet writes nothing and names each bad row and column (on the page and in an .xlsx
report), and a failure while writing leaves nothing half-written."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from fangkong.arrivals.models import Arrival, LedgerImport, OriginArea, ResidentAway
from tests.arrivals.conftest import OTHER_ID, VALID_ID
from tests.arrivals.test_ledgers import xlsx

pytestmark = pytest.mark.django_db

ORIGIN_HEADER = ["省", "市", "区县", "街道", "风险等级", "开始日期", "结束日期"]
AWAY_HEADER = ["姓名", "身份证号码", "联系电话", "村(社区)", "在外省份", "在外城市", "外出时间",
               "预计返乡时间"]  # fmt: skip


def upload(client, url, content, capture):
    with capture(execute=True):
        resp = client.post(url, {"file": SimpleUploadedFile("sheet.xlsx", content)})
    assert resp.status_code == 302, resp.content.decode()[:500]
    job = LedgerImport.objects.get(pk=resp.url.rstrip("/").rsplit("/", 1)[1])
    assert client.get(resp.url).status_code == 200  # the page, before the worker ran
    return job


def work(job):
    """What the worker does with the queued task."""
    queued = DBTaskResult.objects.get(task_path__endswith="run_ledger_import_task")
    queued.task.call(*queued.args_kwargs["args"])
    job.refresh_from_db()
    return job


def test_a_bad_origins_sheet_writes_nothing_and_names_each_row_and_column(
    staff, login, django_capture_on_commit_callbacks
):
    client = login(staff["county"])
    bad = xlsx([ORIGIN_HEADER, ["重庆市", "重庆市", "沙坪坝区", "井口街道", "高", "2022-11-20", ""],
                ["四川省", "成都市", "", "", "中", "2022-11-20", ""],
                ["四川省", "", "", "", "低", "不是日期", ""]])  # fmt: skip
    job = work(upload(client, "/arrivals/origins/import/", bad, django_capture_on_commit_callbacks))
    assert job.status == LedgerImport.Status.REJECTED and job.error_count == 2
    assert job.message == "2 rows are not valid; nothing was imported."
    assert [(e.row, e.field) for e in job.row_errors.all()] == [(4, "风险等级"), (5, "开始日期")]
    assert OriginArea.objects.count() == 0
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Not a date." in page and "hx-trigger" not in page  # finished: no more polling
    report = client.get(f"/arrivals/imports/{job.pk}/errors.xlsx")
    rows = list(load_workbook(io.BytesIO(b"".join(report.streaming_content))).active.values)
    assert rows[0] == ("行号", "列", "原因") and rows[1][:2] == (4, "风险等级")
    assert job.content == b""  # the uploaded file is not kept once the import is over


def test_a_good_away_sheet_is_entered_in_the_background(
    staff, login, django_capture_on_commit_callbacks
):
    client = login(staff["township_a"])
    soon = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    good = xlsx([AWAY_HEADER, ["钱七", VALID_ID, "13800138000", "桃花社区", "广东省", "广州市", "2022-10-01", soon],
                 ["孙八", OTHER_ID, "", "桃花社区", "浙江省", "", "", ""]])  # fmt: skip
    job = upload(client, "/arrivals/away/import/", good, django_capture_on_commit_callbacks)
    assert "Waiting" in client.get(job.get_absolute_url()).content.decode()
    work(job)
    assert job.status == LedgerImport.Status.DONE
    assert (job.total_rows, job.processed_rows, job.created_count) == (2, 2, 2)
    assert ResidentAway.objects.count() == 2 and Arrival.objects.count() == 1
    assert login(staff["township_b"]).get(job.get_absolute_url()).status_code == 404


def test_a_village_outside_the_importers_areas_is_a_row_error(
    staff, login, django_capture_on_commit_callbacks
):
    client = login(staff["township_a"])
    other = xlsx([AWAY_HEADER, ["周九", "11010519491231002X", "", "龙潭村", "广东省", "", "", ""]])
    job = work(upload(client, "/arrivals/away/import/", other, django_capture_on_commit_callbacks))
    assert job.status == LedgerImport.Status.REJECTED
    assert [(e.row, e.field) for e in job.row_errors.all()] == [(3, "村(社区)")]
    assert ResidentAway.objects.count() == 0


def test_a_sheet_without_its_columns_is_refused_on_upload(staff, login):
    client = login(staff["county"])
    resp = client.post("/arrivals/origins/import/",
                       {"file": SimpleUploadedFile("x.xlsx", xlsx([["省", "风险等级"], ["重庆市", "高"]]))})  # fmt: skip
    assert resp.status_code == 422 and "开始日期" in resp.content.decode()
    assert not LedgerImport.objects.exists()
    assert login(staff["township_a"]).get("/arrivals/origins/import/").status_code == 403


def test_a_failure_while_writing_leaves_nothing_half_written(
    staff, login, django_capture_on_commit_callbacks, monkeypatch
):
    from fangkong.arrivals.services import away

    real, calls = away._save, []

    def second_fails(v, by):
        calls.append(v)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(v, by)

    monkeypatch.setattr(away, "_save", second_fails)
    good = xlsx([AWAY_HEADER, ["钱七", VALID_ID, "", "桃花社区", "广东省", "", "", ""],
                 ["孙八", OTHER_ID, "", "桃花社区", "浙江省", "", "", ""]])  # fmt: skip
    client = login(staff["township_a"])
    job = upload(client, "/arrivals/away/import/", good, django_capture_on_commit_callbacks)
    queued = DBTaskResult.objects.get(task_path__endswith="run_ledger_import_task")
    with pytest.raises(RuntimeError):
        queued.task.call(*queued.args_kwargs["args"])
    job.refresh_from_db()
    assert job.status == LedgerImport.Status.FAILED and "nothing was written" in job.message
    assert ResidentAway.objects.count() == 0
