"""Masking judged with everything else a role is shown: the masked ID number, the birth date or
year, the sex, the area (whose code begins the number) and the check-character rule must
not, together, rebuild the number. Everything the list page, the detail page, the household
page, the API, the masked export and the audit log show one person is gathered, and the ID
numbers consistent with it all are counted."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.utils.formats import date_format
from openpyxl import load_workbook

from fangkong.core.models import AuditLog
from fangkong.people.idnumber import check_character
from fangkong.people.services.households import create_household
from fangkong.people.services.persons import PersonData, create_person

BIRTH = dt.date(1982, 11, 13)
FIRST17 = "500242" + BIRTH.strftime("%Y%m%d") + "001"  # sequence 001: odd, a man
ID_NUMBER = FIRST17 + check_character(FIRST17)
PHONE = "13800138000"
MASK_RE = re.compile(r"(?<![0-9X*])[0-9X*]{18}(?![0-9X*])")
CAP = 5000  # counting stops here: "thousands" is all a test needs to know


@pytest.fixture
def man(users, county):
    """Registered through the services, so the audit log holds his creation too."""
    household = create_household(
        by=users["county"], area=county.village_a, address="桃花路1号", floor=2
    )
    person, _created = create_person(
        by=users["county"],
        area=county.village_a,
        data=PersonData(name="张三", id_number=ID_NUMBER, phone=PHONE),
        household=household,
    )
    return person


def _birth_renderings(day: dt.date) -> list[str]:
    return [
        day.isoformat(),
        day.strftime("%Y%m%d"),
        day.strftime("%Y/%m/%d"),
        f"{day.year}年{day.month}月{day.day}日",
        date_format(day),
        date_format(day, "SHORT_DATE_FORMAT"),
    ]


def _xlsx_text(response) -> str:
    assert response.status_code == 200, response
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return "\n".join(
        " | ".join("" if v is None else str(v) for v in row)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
    )


def shown_to(client, person, *, export: bool) -> list[str]:
    """The text of every response this client can get about ``person``."""
    texts = []
    for url in (
        f"/people/persons/?q={person.name}",
        f"/people/persons/{person.pk}/",
        f"/people/households/{person.household_id}/",
    ):
        resp = client.get(url)
        assert resp.status_code == 200, url
        texts.append(resp.content.decode())
    for url in (f"/api/v1/persons?q={person.name}", f"/api/v1/persons/{person.pk}"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        texts.append(json.dumps(resp.json(), ensure_ascii=False))
    if export:
        texts.append(_xlsx_text(client.get(f"/people/persons/?q={person.name}&export=xlsx")))
    return texts


def _matches(mask: str, number: str) -> bool:
    return all(m == "*" or m == n for m, n in zip(mask, number, strict=True))


def consistent_ids(texts: list[str], *, area_code: str, sex: str, birth: dt.date) -> int:
    """How many valid resident ID numbers agree with all ``texts`` show (capped at CAP):
    the area code and sex are taken as known; the birth date as known if any text shows it
    in any usual form, else only its year (which every text may show)."""
    blob = "\n".join(texts)
    masks = {m for m in MASK_RE.findall(blob) if "*" in m}
    if any(r in blob for r in _birth_renderings(birth)):
        days = [birth]
    else:
        start = dt.date(birth.year, 1, 1)
        days = [
            start + dt.timedelta(n) for n in range((dt.date(birth.year + 1, 1, 1) - start).days)
        ]
    parity = 1 if sex == "M" else 0
    found = 0
    for day in days:
        head = area_code + day.strftime("%Y%m%d")
        for seq in range(parity, 1000, 2):
            first17 = f"{head}{seq:03d}"
            number = first17 + check_character(first17)
            if all(_matches(m, number) for m in masks):
                found += 1
                if found >= CAP:
                    return found
    return found


@pytest.mark.parametrize("role,export", [("auditor", True), ("sampler_a", False)])
def test_a_role_that_may_not_reveal_cannot_rebuild_the_number(users, login, man, role, export):
    client = login(users[role])
    texts = shown_to(client, man, export=export)
    if role == "auditor":  # the audit log holds the person's creation, before and after
        audit = client.get(f"/admin/audit/?object_type=people.person&object_id={man.pk}")
        assert "people.person" in audit.content.decode()
        texts.append(audit.content.decode())
        texts.append(
            _xlsx_text(
                client.get(
                    f"/admin/audit/?object_type=people.person&object_id={man.pk}&export=xlsx"
                )
            )
        )
    blob = "\n".join(texts)
    # each response did show the person: name, masked number, birth year
    assert all("张三" in t for t in texts)
    assert "500242************" in blob and "1982" in blob
    assert ID_NUMBER not in blob and PHONE not in blob
    assert not any(r in blob for r in _birth_renderings(BIRTH))
    count = consistent_ids(texts, area_code="500242", sex="M", birth=BIRTH)
    assert count >= CAP  # over 180,000 in truth; was 1 with the 6 + 4 mask and the date


def test_the_api_gives_such_roles_the_birth_year_and_no_date(users, login, man):
    body = login(users["sampler_a"]).get(f"/api/v1/persons/{man.pk}").json()
    assert body["birth_year"] == 1982 and body["birth_date"] is None
    assert body["id_number_masked"] == "500242************"
    listed = login(users["sampler_a"]).get("/api/v1/persons?q=张三").json()["items"][0]
    assert listed["birth_year"] == 1982 and listed["birth_date"] is None


def test_the_person_list_cannot_be_sorted_by_birth_date_by_such_roles(users, login, man):
    # an order by date would rank everyone of one year by birthday
    resp = login(users["sampler_a"]).get("/people/persons/?sort=birth_date")
    assert [c.label for c in resp.context["columns"]][3] == "Birth year"
    assert resp.context["sort"] == "birth_date"
    assert str(resp.context["rows"][0][0].pk) and "birth_date" not in {
        c.order_by for c in resp.context["columns"]
    }


def test_a_role_that_may_reveal_sees_the_date_but_still_not_the_number(users, login, man):
    client = login(users["township_a"])
    texts = shown_to(client, man, export=True)
    blob = "\n".join(texts)
    assert BIRTH.isoformat() in blob  # the date: operators work with it
    assert ID_NUMBER not in blob
    # birth date, sex and area leave the sequence and check hidden: 500 numbers
    assert consistent_ids(texts, area_code="500242", sex="M", birth=BIRTH) == 500


def test_revealing_shows_the_number_in_full_and_is_audited(users, login, man):
    client = login(users["township_a"])
    page = client.post(f"/reveal/people.person/{man.pk}/id_number/")
    assert page.status_code == 200 and ID_NUMBER in page.content.decode()
    api = client.post(
        "/api/v1/reveal",
        {"model": "people.person", "id": man.pk, "field": "phone"},
        content_type="application/json",
    )
    assert api.status_code == 200 and api.json() == {"value": PHONE}
    rows = AuditLog.objects.filter(action="reveal", object_id=str(man.pk), actor_name="town_a")
    assert sorted(rows.values_list("detail", flat=True)) == ["id_number", "phone"]
    # a role that may not reveal is refused, and nothing is logged for it
    refused = login(users["sampler_a"]).post(f"/reveal/people.person/{man.pk}/id_number/")
    assert refused.status_code == 403
    assert not AuditLog.objects.filter(action="reveal", actor_name="sampler_a").exists()


def test_audit_rows_written_under_the_old_mask_are_shown_under_the_new_one(users, login, man):
    AuditLog.objects.create(
        actor_name="old",
        action="create",
        object_type="people.person",
        object_id=str(man.pk),
        object_repr="张三",
        after={"id_number": "500242********0016", "birth_date": "1982-11-13"},
    )
    page = login(users["auditor"]).get("/admin/audit/?actor=old").content.decode()
    assert "500242************" in page and "1982" in page
    assert "0016" not in page and "1982-11-13" not in page
