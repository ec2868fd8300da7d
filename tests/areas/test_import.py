"""Importing the grid from .csv or .xlsx: every bad row reported, nothing half-written."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from fangkong.areas.models import Area
from fangkong.areas.services import AreaImportFailed, import_areas
from fangkong.core.errors import PermissionDenied, ValidationFailed

HEADER = "code,name,kind,parent_code\n"


def csv_file(body: str, header: str = HEADER, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO((header + body).encode(encoding))


def xlsx_file(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def failures(body: str, user, header: str = HEADER):
    before = Area.objects.count()
    with pytest.raises(AreaImportFailed) as exc:
        import_areas(csv_file(body, header), by=user)
    assert Area.objects.count() == before, "nothing may be written"
    return [(e.row, e.field) for e in exc.value.rows]


def test_a_good_sheet_adds_the_rows_under_existing_and_new_parents(county, users):
    body = (
        "500242101001001,一组,group,500242101001\n"
        "500242101002,新村,village,500242101\n"
        "500242101002001,一组,组,500242101002\n"  # parent earlier in the file, Chinese kind
        "500242101002002,二组,group,500242101002\n"
    )
    result = import_areas(csv_file(body), by=users["county"])
    assert result.created == 4
    village = Area.objects.get(code="500242101002")
    kids = Area.objects.get_children(village)
    assert sorted(k.name for k in kids) == ["一组", "二组"]
    assert village.numchild == 2
    assert Area.objects.get(code="500242101").numchild == 2  # 龙潭村 + 新村
    assert Area.objects.get(code="500242101001").numchild == 1
    assert Area.objects.find_problems() == ([], [], [], [], [])


def test_a_parent_may_come_later_in_the_sheet(county, users):
    body = "500242101002001,一组,group,500242101002\n500242101002,新村,village,500242101\n"
    assert import_areas(csv_file(body), by=users["county"]).created == 2
    assert Area.objects.get(code="500242101002001").depth == 4


def test_treebeard_still_adds_children_after_an_import(county, users):
    import_areas(csv_file("500242101002,新村,village,500242101\n"), by=users["county"])
    from tests.factories import add_area

    add_area(Area.objects.get(code="500242101"), "500242101003", "后村", "village")
    assert Area.objects.find_problems() == ([], [], [], [], [])
    assert Area.objects.get(code="500242101").numchild == 3


def test_an_xlsx_with_chinese_headers_and_numeric_codes(county, users):
    sheet = xlsx_file(
        [["编码", "名称", "类型", "上级编码"], [500242101002, "新村", "村", 500242101]]
    )
    upload = SimpleUploadedFile("areas.xlsx", sheet.read())
    assert import_areas(upload, by=users["county"]).created == 1
    assert Area.objects.get(code="500242101002").kind == "village"


def test_a_gbk_csv_is_read(county, users):
    f = csv_file("500242101002,新村,village,500242101\n", header="编码,名称,类型,上级编码\n",
                 encoding="gbk")  # fmt: skip
    assert import_areas(f, by=users["county"]).created == 1


def test_every_bad_row_is_reported_with_its_row_and_field(county, users):
    body = (
        "500242101002,新村,village,500242101\n"  # row 2: good
        "500242101003,坏村,hamlet,500242101\n"  # row 3: unknown kind
        ",无编码,village,500242101\n"  # row 4: missing code
        "500242101004,,village,500242101\n"  # row 5: missing name
        "500242101005,无类型,,500242101\n"  # row 6: missing kind
        "500242101006,孤村,village,999999\n"  # row 7: parent nowhere
        "500242101002,重复,village,500242101\n"  # row 8: duplicate in the sheet
        "500242101,龙潭镇,town,500242\n"  # row 9: exists in the grid
        "500242101007,错层,building,500242101\n"  # row 10: a building under a town
        "X1,环一,group,X2\n"  # rows 11-12: a cycle
        "X2,环二,group,X1\n"
        "X3,自环,group,X3\n"  # row 13: its own parent
        "500242999,无上级,town,\n"  # row 14: only a county stands alone
    )
    got = failures(body, users["county"])
    assert (3, "kind") in got
    assert (4, "code") in got
    assert (5, "name") in got
    assert (6, "kind") in got
    assert (7, "parent_code") in got
    assert (8, "code") in got
    assert (9, "code") in got
    assert (10, "kind") in got
    assert (11, "parent_code") in got and (12, "parent_code") in got
    assert (13, "parent_code") in got
    assert (14, "parent_code") in got
    assert not any(row == 2 for row, _f in got)


def test_messages_say_why(county, users):
    with pytest.raises(AreaImportFailed) as exc:
        import_areas(csv_file("X1,环一,group,X2\nX2,环二,group,X1\n"), by=users["county"])
    assert "cycle" in exc.value.rows[0].message
    assert "row 2: parent_code" in exc.value.fields


def test_a_parent_outside_the_users_areas_does_not_exist_for_them(county, users, make_user):
    from fangkong.core.roles import Role

    manager_a = make_user(Role.SYSTEM_ADMIN, county.town_a)
    got = failures("500242101002,新村,village,500242101\n", manager_a)
    assert got == [(2, "parent_code")]


@pytest.mark.parametrize(
    "header,expected",
    [
        ("code,name,kind\n", "parent code"),  # missing column
        ("code,name,kind,parent_code,colour\n", "colour"),  # unknown column
    ],
)
def test_missing_or_unknown_columns_are_refused(county, users, header, expected):
    with pytest.raises(ValidationFailed) as exc:
        import_areas(csv_file("1,a,village,500242101\n", header), by=users["county"])
    assert expected in " ".join(str(m) for m in exc.value.fields["file"])


def test_a_file_that_is_not_a_spreadsheet_is_refused(county, users):
    with pytest.raises(ValidationFailed) as exc:
        import_areas(io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00\x00"), by=users["county"])
    assert "file" in exc.value.fields
    with pytest.raises(ValidationFailed):
        import_areas(io.BytesIO(b"PK\x03\x04 broken zip"), by=users["county"])


def test_an_empty_sheet_is_refused(county, users):
    with pytest.raises(ValidationFailed):
        import_areas(csv_file("", header=HEADER), by=users["county"])


def test_only_area_managers_import(county, users):
    with pytest.raises(PermissionDenied):
        import_areas(csv_file("500242101002,新村,village,500242101\n"), by=users["township_a"])


# --- page and API ----------------------------------------------------------------------------
def test_import_page_access(access):
    access.check("/areas/import/", allowed=["county", "admin"], denied_role=["township_a", "lab"])


def test_import_page_lists_every_bad_row(users, login, county):
    upload = SimpleUploadedFile("a.csv", (HEADER + "1,a,hamlet,500242101\n2,,village,9\n").encode())
    resp = login(users["county"]).post("/areas/import/", {"file": upload})
    assert resp.status_code == 422
    html = resp.content.decode()
    assert html.count('data-testid="import-error"') == 3  # kind; name and parent of row 3
    assert Area.objects.filter(code__in=["1", "2"]).count() == 0


def test_import_page_imports(users, login, county):
    upload = SimpleUploadedFile(
        "a.csv", (HEADER + "500242101002,新村,village,500242101\n").encode()
    )
    resp = login(users["county"]).post("/areas/import/", {"file": upload})
    assert resp.status_code == 302
    assert Area.objects.filter(code="500242101002").exists()


def test_import_api(users, login, county):
    client = login(users["county"])
    good = SimpleUploadedFile("a.csv", (HEADER + "500242101002,新村,village,500242101\n").encode())
    resp = client.post("/api/v1/areas/import", {"file": good})
    assert resp.status_code == 201 and resp.json()["created"] == 1
    bad = SimpleUploadedFile("a.csv", (HEADER + "500242101009,坏,hamlet,500242101\n").encode())
    resp = client.post("/api/v1/areas/import", {"file": bad})
    assert resp.status_code == 422
    assert resp.json()["error"]["fields"] == {"row 2: kind": ["Unknown kind hamlet."]}
    denied = login(users["township_a"]).post("/api/v1/areas/import", {"file": good})
    assert denied.status_code == 403
