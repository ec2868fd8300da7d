"""The retention purge leaves no trace of a person anywhere in the database.

One person goes through every workflow the project has (registered by hand and matched by
a workbook import, edited, revealed, put under control, checked into an isolation room and
released, swabbed into a single tube found positive, a case candidate confirmed, SMS
notices queued and sent, control ended); after the retention period the purge runs, and
then every text, JSON and binary column of every table (found by introspection, so a new
table is searched without a change here) is searched for the person's name, document
number and phone numbers. The counts the command centre reads are what they were.
"""

import contextlib
import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from fangkong.areas.models import Responsibility
from fangkong.cases import services as cases
from fangkong.cases.models import CaseCandidate
from fangkong.control import services as control
from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.core.roles import Role
from fangkong.core.services.pii import reveal
from fangkong.people.idnumber import check_character
from fangkong.people.models import ImportJob, Person
from fangkong.people.retention import PURGED_NAME, purge_expired
from fangkong.people.services import PersonData, create_person, update_person
from fangkong.people.services.imports import run_import, start_import
from fangkong.sites import services as sites
from fangkong.sites.choices import SiteKind
from fangkong.sites.models import Stay
from fangkong.testing import services as testing
from fangkong.testing.models import Notification, Result, TubeMember
from fangkong.testing.tasks import deliver
from tests.people.conftest import row, xlsx

pytestmark = pytest.mark.django_db

NAME = "欧阳晓燕"
FIRST17 = "50024219850612002"
ID = FIRST17 + check_character(FIRST17)
PHONE = "13912345678"
NEW_PHONE = "13787654321"
SECRETS = [NAME, ID, PHONE, NEW_PHONE]


def _texts(value) -> list[str]:
    """A column's value as the texts to search: strings, bytes, and JSON decoded (the
    database may hold it with non-ASCII characters escaped)."""
    if value is None:
        return []
    if isinstance(value, memoryview | bytes | bytearray):
        raw = bytes(value)
        return [raw.decode("utf-8", "replace"), raw.decode("latin-1")]
    if isinstance(value, dict | list):
        return [json.dumps(value, ensure_ascii=False)]
    text = str(value)
    out = [text]
    if text[:1] in '[{"':
        with contextlib.suppress(ValueError):
            out.append(json.dumps(json.loads(text), ensure_ascii=False))
    return out


def find_everywhere(needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) wherever a needle occurs in any column of any table."""
    found = []
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        for table in connection.introspection.table_names(cur):
            columns = [c.name for c in connection.introspection.get_table_description(cur, table)]
            cur.execute(f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(table)}")  # noqa: S608
            for values in cur.fetchall():
                for column, value in zip(columns, values, strict=True):
                    for text in _texts(value):
                        found += [(table, column, n) for n in needles if n in text]
    return sorted(set(found))


def figures() -> dict[str, int]:
    """Counts the command centre reads: they must survive the purge."""
    return {
        "persons in village A": Person._base_manager.filter(area__code="500242002001").count(),
        "episodes": ControlEpisode.objects.count(),
        "ended episodes": ControlEpisode.objects.exclude(status="active").count(),
        "phases": ControlPhase.objects.count(),
        "stays": Stay.objects.count(),
        "tube members": TubeMember.objects.count(),
        "positive results": Result.objects.filter(outcome="positive").count(),
        "confirmed cases": CaseCandidate.objects.filter(state="confirmed").count(),
        "notifications": Notification.objects.count(),
    }


@pytest.fixture
def lived(county, users, make_user, swab, to_lab, sms):
    """The person, through every workflow, out of control since today."""
    town, county_user = users["township_a"], users["county"]
    Responsibility.objects.create(area=county.village_a, role="village_cadre",
                                  person_name="村支书", phone="13900001111",
                                  starts_on=dt.date(2020, 1, 1))  # fmt: skip
    person, _ = create_person(
        by=town,
        area=county.village_a,
        data=PersonData(name=NAME, id_number=ID, phone=PHONE, notes=f"{NAME}，电话{PHONE}"),
    )
    # the same person in a ledger imported from Excel: matched, not copied
    job = start_import(
        by=town,
        filename="人员台账.xlsx",
        content=xlsx([row(NAME, ID, "500242002001", phone=PHONE)]),
        mode="all",
    )
    assert run_import(job.pk).matched_count == 1
    person = update_person(
        Person.objects.get(pk=person.pk),
        by=town,
        area=county.village_a,
        data=PersonData(name=NAME, id_number=ID, phone=NEW_PHONE, birth_date=dt.date(1985, 6, 12)),
    )
    assert reveal("people.person", person.pk, "id_number", by=county_user) == ID
    # control: six days ago, centralized isolation in a hotel room, released into home
    control.start_episode(
        person, "close_contact", start_date=timezone.localdate() - dt.timedelta(days=6), by=town
    )
    manager = make_user(Role.SITE_MANAGER, county.county, username="site_manager")
    site = sites.create_site(
        by=county_user,
        data=sites.SiteData(name="县宾馆", kind=SiteKind.HOTEL, address="桃花路1号",
                            area=county.town_a, manager_name="王经理",
                            manager_phone="13800138000"),
    )  # fmt: skip
    sites.bulk_create_rooms(site, by=county_user, floors=1, rooms_per_floor=2, beds=1)
    room = site.rooms.get(number="101")
    [stay] = sites.check_in(
        room, [Person.objects.get(pk=person.pk)], by=manager, reason="close_contact"
    )
    sites.release(stay, by=manager)
    # a single tube, positive: follow-up, a case candidate, SMS notices (some sent)
    tube = swab(Person.objects.get(pk=person.pk), "S0000001").tube
    to_lab(tube)
    testing.record_result(tube, outcome="positive", by=users["lab"])
    notices = list(Notification.objects.filter(tube=tube).values_list("pk", flat=True))
    assert notices and any(NAME in n.message for n in Notification.objects.all())
    deliver(notices[:1])
    assert any(NAME in m for _to, m in sms.sent)
    candidate = CaseCandidate.objects.get(person=person)
    cases.confirm_candidate(candidate, by=county_user, note=f"{NAME} 经复核确诊")
    # the end of control: called off in home isolation, with a reason that names her
    episode = ControlEpisode.objects.get(person=person, status="active")
    control.cancel_episode(episode, reason_text=f"{NAME}转至定点医院", by=town)
    person = Person._base_manager.get(pk=person.pk)
    assert person.left_control_at is not None
    assert not ImportJob.objects.exclude(content=b"").exists()  # the file went with its job
    return person


def test_after_the_purge_no_table_holds_the_name_the_number_or_the_phones(lived, settings):
    before = find_everywhere(SECRETS)
    # the search finds what is there: the name in the timeline, the audit log, free texts
    tables = {t for t, _c, _n in before}
    assert {"core_timelineevent", "core_auditlog", "people_person"} <= tables, before
    assert any(n == NAME for _t, _c, n in before)
    counts = figures()

    settings.FANGKONG_RETENTION_DAYS = 180
    assert purge_expired(now=timezone.now() + dt.timedelta(days=170)) == 0  # not yet
    assert purge_expired(now=timezone.now() + dt.timedelta(days=181)) == 1

    assert find_everywhere(SECRETS) == []
    assert figures() == counts
    purged = Person._base_manager.get(pk=lived.pk)
    assert (purged.name, purged.birth_date, purged.area_id) == (
        PURGED_NAME, dt.date(1985, 1, 1), lived.area_id)  # fmt: skip
    # the records that pointed at her still do, with their states and dates
    assert ControlEpisode.objects.get(person=purged).status == "cancelled"
    assert CaseCandidate.objects.get(person=purged).state == "confirmed"
    # idempotent: nothing more to purge
    assert purge_expired(now=timezone.now() + dt.timedelta(days=181)) == 0
