"""Exporting a filtered person list to .xlsx: masked by default, full only for roles allowed
to, audited; streamed from a temporary file."""

import io

from openpyxl import load_workbook

from fangkong.core.models import AuditLog
from fangkong.people.models import Person
from tests.factories import PersonFactory


def sheet_rows(resp):
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    return [[c.value for c in r] for r in wb.active.iter_rows()]


def test_masked_export_of_a_filtered_list(users, county, login):
    PersonFactory(
        area=county.village_a, name="张三", id_number="513101198201130014", phone="13800138000"
    )
    PersonFactory(area=county.village_a, name="李四")
    PersonFactory(area=county.village_b, name="张五")
    rows = sheet_rows(login(users["township_a"]).get("/people/persons/?q=zs&export=xlsx"))
    assert rows[1][:2] == ["张三", "513101************"]
    assert rows[1][4] == "138****8000"
    assert len(rows) == 2  # header + the one match in township A
    log = AuditLog.objects.get(action="export")
    assert "masked" in log.detail and "q=zs" in log.detail


def test_full_export_needs_its_permission_and_is_audited(users, county, login):
    PersonFactory(area=county.village_a, name="张三", id_number="513101198201130014")
    assert login(users["township_a"]).get("/people/persons/?export=xlsx&full=1").status_code == 403
    rows = sheet_rows(login(users["county"]).get("/people/persons/?export=xlsx&full=1"))
    assert rows[1][1] == "513101198201130014"
    assert AuditLog.objects.filter(action="export", detail__startswith="full").count() == 1
    assert login(users["sampler_a"]).get("/people/persons/?export=xlsx").status_code == 403


def test_a_large_export_streams_every_row(users, county, login):
    Person.objects.bulk_create(
        [
            Person(area=county.village_a, name=f"人{i}", id_number=f"E{i:08d}", doc_type="passport")
            for i in range(3000)
        ]
    )
    resp = login(users["township_a"]).get("/people/persons/?export=xlsx")
    assert not hasattr(resp, "content")  # a FileResponse: streamed
    assert len(sheet_rows(resp)) == 3001
