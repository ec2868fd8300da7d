"""The import's fast paths: the sheet reader, ids reserved for bulk inserts, one audit row
per import, progress; each checked against what the slower ORM path gave."""

import datetime as dt
import io
import zipfile

from fangkong.core.models import AuditLog, TimelineEvent
from fangkong.people.models import Household, ImportJob, Person
from fangkong.people.services import PersonData, create_person
from fangkong.people.services.imports import run_import, start_import
from fangkong.people.sheet import data_rows, open_sheet
from tests.factories import PersonFactory
from tests.people.conftest import row, xlsx
from tests.people.test_import import ZHANG, A, rid


def run(user, content, mode="all"):
    job = start_import(by=user, filename="人员.xlsx", content=content, mode=mode)
    return run_import(job.pk)


def test_row_numbers_are_the_sheets_own_across_blank_rows(users, county):
    sheet = [row("甲", rid(seq="001"), A), [], [], row("乙", rid(seq="003"), A, phone="128")]
    job = run(users["township_a"], xlsx(sheet), mode="good")
    assert [(e.row, e.field) for e in job.row_errors.all()] == [(5, "手机号码")]
    assert (job.total_rows, job.processed_rows, job.created_count) == (2, 2, 1)


def test_cells_are_read_as_excel_stored_them(users, county):
    birth = dt.date(1982, 1, 13)
    content = xlsx(
        [
            row("张三", ZHANG, A, birth=birth, floor=3.0, address="桃花路1号"),
            row("李四", rid(seq="005"), int(A), birth=dt.datetime(1990, 1, 1)),  # noqa: DTZ001
            row("王五", rid(seq="007"), A, birth=dt.date(1990, 1, 2)),
        ]
    )
    with open_sheet(content) as book:
        assert list(book.columns.values())[:3] == ["name", "doc_type", "id_number"]
        rows = list(data_rows(book))
    assert [n for n, _ in rows] == [2, 3, 4]
    assert rows[0][1][4] == dt.datetime(1982, 1, 13)  # noqa: DTZ001 - a date cell, as openpyxl
    job = run(users["township_a"], content, mode="good")
    assert [(e.row, e.field) for e in job.row_errors.all()] == [(4, "出生日期")]
    zhang = Person.objects.get(name="张三")
    assert (zhang.birth_date, zhang.household.floor) == (birth, 3)
    assert Person.objects.get(name="李四").area_id == county.village_a.pk


def test_imported_ids_never_collide_with_later_or_deleted_ones(users, county):
    first = run(users["township_a"], xlsx([row("甲", rid(seq="011"), A, address="路1号")]))
    gone = Person.objects.get(name="甲")
    gone_household = gone.household_id
    Person.objects.filter(pk=gone.pk).delete()
    Household.objects.filter(pk=gone_household).delete()
    second = run(users["township_a"], xlsx([row("乙", rid(seq="013"), A, address="路2号")]))
    assert (first.created_count, second.created_count) == (1, 1)
    yi = Person.objects.get(name="乙")
    assert yi.pk > gone.pk and yi.household_id > gone_household  # no id handed out twice
    bing, created = create_person(
        by=users["township_a"], area=county.village_a, data=PersonData(name="丙", id_number="")
    )
    assert created and bing.pk > yi.pk
    entry = AuditLog.objects.filter(action="import").order_by("-pk").first()
    assert entry.after["person_ids"] == [yi.pk]


def test_matched_persons_are_listed_in_the_audit_row_by_id_only(users, county):
    existing = PersonFactory(area=county.village_a, name="张三", id_number=ZHANG)
    other_area = PersonFactory(area=county.village_b, name="外乡", id_number=rid(seq="031"))
    sheet = [row("张三", ZHANG, A), row("外乡", rid(seq="031"), A), row("新人", rid(seq="033"), A)]
    job = run(users["township_a"], xlsx(sheet))
    # another area's number is registered anew, not reported as known (that would tell)
    assert (job.created_count, job.matched_count) == (2, 1)
    entry = AuditLog.objects.get(action="import", object_id=str(job.pk), after__isnull=False)
    assert entry.after["matched_person_ids"] == [existing.pk]  # not the other area's person
    assert other_area.pk not in entry.after["person_ids"]
    assert entry.after["to_reconcile"] == 1
    new = Person.objects.get(name="新人")
    copy = Person.objects.get(name="外乡", area=county.village_a)
    assert entry.after["person_ids"] == [copy.pk, new.pk]
    event = TimelineEvent.objects.get(subject_type="people.person", subject_id=new.pk)
    assert event.kind == "registered" and event.data == {"import_job": job.pk}
    assert event.area_id == county.village_a.pk


def test_a_sheet_broken_part_way_is_rejected_not_failed(users, county):
    good = xlsx([row("甲", rid(seq="041"), A)] * 3)
    job = start_import(by=users["township_a"], filename="x.xlsx", content=good, mode="all")
    src = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<row r="3"', b'<row r="3"><c><v>1</c>')
            dst.writestr(name, data)
    ImportJob.objects.filter(pk=job.pk).update(content=out.getvalue())
    job = run_import(job.pk)
    assert job.status == "rejected" and "not an Excel workbook" in job.message
    assert not Person.objects.exists()
