"""An employer's Excel whitelist: each row's ID checked, persons matched in the registry
or registered, another employer's rows and workers refused, all or nothing or good rows
only, every bad row reported with its row number and column."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from fangkong.core.errors import NotFound, ValidationFailed
from fangkong.people.models import Person
from fangkong.workforce.choices import LoopState
from fangkong.workforce.models import WhitelistImport, Worker
from fangkong.workforce.services import add_worker
from fangkong.workforce.services.whitelist import run_whitelist_import, start_whitelist_import
from tests.factories import PersonFactory
from tests.workforce.conftest import bad_check, valid_id

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "证件号码", "手机号码", "岗位", "是否闭环", "闭环地点", "单位"]


def xlsx(rows, header=HEADER, title=True) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append(["保供人员白名单"])  # a title row above the header, as employers keep them
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(employer, by, rows, mode="all", **kw):
    job = start_whitelist_import(
        employer, by=by, filename="白名单.xlsx", content=xlsx(rows, **kw), mode=mode
    )
    return run_whitelist_import(job.pk)


def test_a_whitelist_registers_its_workers_matching_the_registry(employers, users, county):
    known = PersonFactory(area=county.village_a)
    persons = Person.objects.count()
    job = run(employers["a"], users["county"], [
        ["张一", valid_id(), "13800000001", "分拣", "是", "顺丰闭环仓", "顺丰钟多站"],
        ["张二", valid_id(), "", "快递员", "否", "", ""],
        [known.name, known.id_number, "", "司机", "", "", ""],
    ])  # fmt: skip
    assert job.status == WhitelistImport.Status.DONE, job.message
    assert (job.created_count, job.persons_created, job.error_count) == (3, 2, 0)
    assert Person.objects.count() == persons + 2
    workers = Worker.objects.filter(employer=employers["a"])
    assert workers.count() == 3
    looped = workers.get(person__name="张一")
    assert looped.loop_state == LoopState.IN_LOOP and looped.loop_place == "顺丰闭环仓"
    assert workers.get(person=known).post == "司机"
    assert all(w.pass_code and w.next_due_on for w in workers)
    again = run(
        employers["a"], users["county"], [[known.name, known.id_number, "", "", "", "", ""]]
    )
    assert (again.created_count, again.matched_count) == (0, 1)


def test_a_bad_id_rejects_the_whole_file_in_all_or_nothing_mode(employers, users):
    job = run(employers["a"], users["county"], [
        ["好人", valid_id(), "", "", "", "", ""],
        ["坏号", bad_check(valid_id()), "", "", "", "", ""],
    ])  # fmt: skip
    assert job.status == WhitelistImport.Status.REJECTED
    errors = list(job.row_errors.values_list("row", "field", "message"))
    assert errors and errors[0][:2] == (4, "证件号码") and "check character" in errors[0][2]
    assert not Worker.objects.filter(employer=employers["a"]).exists()


def test_good_rows_only_writes_the_good_rows(employers, users):
    job = run(employers["a"], users["county"], [
        ["好人", valid_id(), "", "", "", "", ""],
        ["坏号", "5002421985", "", "", "", "", ""],
    ], mode="good")  # fmt: skip
    assert job.status == WhitelistImport.Status.DONE
    assert (job.created_count, job.error_count) == (1, 1)
    assert list(Worker.objects.values_list("person__name", flat=True)) == ["好人"]


def test_rows_of_another_employer_are_refused(employers, users):
    other, _ = add_worker(employers["b"], by=users["county"], name="龙潭人", id_number=valid_id())
    job = run(employers["a"], users["county"], [
        ["别家", valid_id(), "", "", "", "", "龙潭超市"],
        ["龙潭人", other.person.id_number, "", "", "", "", ""],
    ])  # fmt: skip
    assert job.status == WhitelistImport.Status.REJECTED
    reasons = dict(job.row_errors.values_list("row", "message"))
    assert "another employer" in reasons[3] and "another employer" in reasons[4]
    assert not Worker.objects.filter(employer=employers["a"]).exists()
    assert Worker.objects.get(pk=other.pk).employer == employers["b"]


def test_an_employers_account_cannot_upload_for_another_employer(employers, employer_users):
    with pytest.raises(NotFound):
        start_whitelist_import(employers["b"], by=employer_users["a"], filename="x.xlsx",
                               content=xlsx([["某", valid_id(), "", "", "", "", ""]]), mode="all")  # fmt: skip
    assert not WhitelistImport.objects.exists()
    job = run(employers["a"], employer_users["a"], [["某", valid_id(), "", "", "", "", ""]])
    assert job.status == WhitelistImport.Status.DONE


def test_a_file_without_the_columns_is_refused_on_upload(employers, users):
    with pytest.raises(ValidationFailed) as exc:
        start_whitelist_import(employers["a"], by=users["county"], filename="x.xlsx",
                               content=xlsx([["a", "b"]], header=["名字", "号码"]), mode="all")  # fmt: skip
    assert "file" in exc.value.fields
    with pytest.raises(ValidationFailed):
        start_whitelist_import(employers["a"], by=users["county"], filename="x.xlsx",
                               content=b"not a workbook", mode="all")  # fmt: skip
    assert not WhitelistImport.objects.exists()


def test_workers_registered_by_a_whitelist_are_found_by_name(employers, users):
    from fangkong.people.selectors import search_persons

    run(employers["a"], users["county"], [["钱多多", valid_id(), "", "分拣", "", "", ""]])
    assert [p.name for p in search_persons(users["county"], "多多")] == ["钱多多"]
    assert [p.name for p in search_persons(users["county"], "qdd")] == ["钱多多"]


def test_a_number_repeated_in_the_file_is_refused_naming_the_first_row(employers, users):
    persons = Person.objects.count()
    number = valid_id()
    job = run(employers["a"], users["county"], [
        ["张一", number, "", "", "", "", ""],
        ["张一", number, "", "", "", "", ""],
    ])  # fmt: skip
    assert job.status == WhitelistImport.Status.REJECTED
    assert list(job.row_errors.values_list("row", "field")) == [(4, "证件号码")]
    assert "Repeats row 3" in job.row_errors.get().message
    assert Person.objects.count() == persons and not Worker.objects.exists()


def test_a_person_of_another_area_is_matched_and_a_new_namesake_is_a_likely_duplicate(
    employers, users, county
):
    from fangkong.people.models import DuplicateCandidate

    elsewhere = PersonFactory(area=county.town_b)  # registered in another township
    twin = PersonFactory(area=county.town_b, name="王五", birth_date=dt.date(1985, 3, 12))
    job = run(employers["a"], users["county"], [
        [elsewhere.name, elsewhere.id_number, "", "", "", "", ""],
        ["王五", valid_id("19850312"), "", "", "", "", ""],
    ])  # fmt: skip
    assert (job.status, job.created_count, job.persons_created) == ("done", 2, 1)
    worker = Worker.objects.get(person=elsewhere)
    assert worker.area == employers["a"].area and worker.person.area == county.town_b
    new = Person.objects.get(name="王五", area=employers["a"].area)
    assert set(DuplicateCandidate.objects.values_list("person_id", flat=True)) == {twin.pk, new.pk}
