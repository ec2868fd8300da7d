"""Cases (确诊病例 / 无症状感染者): registered from a confirmed candidate or by hand, with the
sampling that found them, classified at once as found under control or in the community
from the person's control at sampling time (the setting names which kinds of control
count); the transfer to a designated hospital recorded; the township told."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from fangkong.cases import services
from fangkong.cases.choices import CASE_TRANSITIONS
from fangkong.cases.models import Case, CaseCandidate
from fangkong.cases.states import CaseMachine
from fangkong.control.services import start_episode
from fangkong.core.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from fangkong.core.models import AuditLog, Notice
from fangkong.testing import services as testing
from fangkong.testing.models import Tube
from tests.factories import PersonFactory
from tests.state_walk import walk

pytestmark = pytest.mark.django_db


def hand(person, by, **kw):
    kw.setdefault("kind", "confirmed")
    kw.setdefault("sampled_at", timezone.now())  # after a control begun today, at any hour
    kw.setdefault("sampling_place", "桃花社区核酸采样点")
    return services.register_case(person, by=by, **kw)


# --- classification --------------------------------------------------------------------------
def test_a_person_under_no_control_is_found_in_the_community(county, users):
    person = PersonFactory(area=county.village_a)
    case = hand(person, users["county"])
    assert case.found == "community" and case.found_basis == ""
    assert case.area == county.village_a and case.origin == "manual"
    assert case.reported_on == timezone.localdate() and case.cluster == case.pk
    row = AuditLog.objects.get(object_type="cases.case", object_id=str(case.pk))
    assert row.after["found"] == "community"


def test_a_person_in_centralized_isolation_at_sampling_is_found_under_control(county, users):
    person = PersonFactory(area=county.village_a)
    start_episode(person, "close_contact", by=users["county"])
    case = hand(person, users["county"])
    assert case.found == "under_control" and case.found_basis == "centralized_isolation"


def test_the_setting_decides_which_control_counts(county, users, settings):
    """Sources differ: with only home isolation counting, a find in centralized isolation
    is a community case."""
    settings.FANGKONG_CASES_UNDER_CONTROL_PHASES = ["home_isolation"]
    person = PersonFactory(area=county.village_a)
    start_episode(person, "close_contact", by=users["county"])
    assert hand(person, users["county"]).found == "community"


def test_control_started_after_the_sampling_does_not_count(county, users):
    person = PersonFactory(area=county.village_a)
    start_episode(person, "close_contact", by=users["county"],
                  start_date=timezone.localdate() + dt.timedelta(days=1))  # fmt: skip
    case = hand(person, users["county"], reported_at=timezone.now() + dt.timedelta(days=1),
                sampled_at=timezone.now())  # fmt: skip
    assert case.found == "community"


# --- bad input -------------------------------------------------------------------------------
def test_a_person_outside_the_users_areas_is_refused_and_nothing_written(county, users):
    person = PersonFactory(area=county.village_b)
    with pytest.raises(NotFound) as exc:
        hand(person, users["township_a"])
    assert "person" in exc.value.fields and not Case.objects.exists()
    assert hand(person, users["county"]).pk  # the county may


def test_a_second_case_of_the_same_person_is_refused(county, users):
    person = PersonFactory(area=county.village_a)
    hand(person, users["county"])
    with pytest.raises(Conflict) as exc:
        hand(person, users["county"], kind="asymptomatic")
    assert "person" in exc.value.fields and Case.objects.count() == 1


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"kind": "probable"}, "kind"),
        ({"sampled_at": timezone.now() + dt.timedelta(hours=2)}, "sampled_at"),
        ({"sampled_at": timezone.now() - dt.timedelta(days=40)}, "sampled_at"),
        ({"sampled_at": None}, "sampled_at"),
        ({"sampling_place": "  "}, "sampling_place"),
    ],
)
def test_bad_input_names_the_field(county, users, kw, field):
    person = PersonFactory(area=county.village_a)
    with pytest.raises(ValidationFailed) as exc:
        hand(person, users["county"], **kw)
    assert field in exc.value.fields and not Case.objects.exists()
    assert hand(person, users["county"]).pk


def test_roles_that_may_not_register_are_refused(county, users):
    person = PersonFactory(area=county.village_a)
    for who in ("village_a", "sampler_a", "auditor"):
        with pytest.raises(PermissionDenied):
            hand(person, users[who])
    assert not Case.objects.exists()
    assert hand(person, users["township_a"]).pk


# --- from a candidate ------------------------------------------------------------------------
@pytest.fixture
def candidate(residents, swab, users, to_lab):
    start_episode(residents[0], "close_contact", by=users["county"])
    tube = swab(residents[0], "S0000001").tube
    to_lab(tube)
    testing.record_result(Tube.objects.get(pk=tube.pk), outcome="positive", by=users["lab"])
    return CaseCandidate.objects.get(tube=tube)


def test_confirming_a_candidate_registers_its_case_with_the_tubes_sampling(candidate, users):
    services.confirm_candidate(candidate, kind="asymptomatic", by=users["county"])
    case = Case.objects.get(candidate=candidate)
    assert case.kind == "asymptomatic" and case.origin == "candidate"
    assert case.sampled_at == candidate.tube.members.get().sampled_at
    assert case.sampling_place == str(candidate.tube.point)
    assert case.found == "under_control"  # in centralized isolation when swabbed


def test_a_candidate_of_someone_already_a_case_is_not_confirmed(candidate, users):
    hand(candidate.person, users["county"])
    with pytest.raises(Conflict):
        services.confirm_candidate(candidate, by=users["county"])
    assert CaseCandidate.objects.get(pk=candidate.pk).state == "open"


# --- the township is told, the transfer recorded ---------------------------------------------
def test_the_townships_users_and_the_county_are_notified(county, users):
    case = hand(PersonFactory(area=county.village_a), users["county"])
    told = set(Notice.objects.filter(kind="case").values_list("user__username", flat=True))
    assert {"county", "town_a", "village_a"} <= told
    assert "town_b" not in told  # another township's users hear nothing
    assert Notice.objects.filter(kind="case", url=case.get_absolute_url()).exists()


def test_the_transfer_is_recorded_once(county, users):
    case = hand(PersonFactory(area=county.village_a), users["county"])
    services.record_transfer(case, hospital="县人民医院", by=users["county"])
    case.refresh_from_db()
    assert case.state == "transferred" and case.hospital == "县人民医院" and case.transferred_at
    with pytest.raises(IllegalTransition):
        services.record_transfer(case, hospital="县人民医院", by=users["county"])
    with pytest.raises(ValidationFailed):
        services.record_transfer(case, hospital=" ", by=users["county"])


def test_the_case_machine_walks_its_table(county, users):
    def make(state):
        case = hand(PersonFactory(area=county.village_a), users["county"])
        Case.objects.filter(pk=case.pk).update(state=state)
        case.refresh_from_db()
        return case

    assert CaseMachine.table == {k: set(v) for k, v in CASE_TRANSITIONS.items()}
    walk(CaseMachine, make, by=users["county"])


# --- API and pages ---------------------------------------------------------------------------
def _post(client, url, body):
    return client.post(url, json.dumps(body, default=str), content_type="application/json")


def test_the_api_registers_a_case_and_refuses_another_areas_person(county, users, login):
    c = login(users["township_a"])
    mine, theirs = PersonFactory(area=county.village_a), PersonFactory(area=county.village_b)
    body = {"kind": "confirmed", "sampled_at": timezone.now().isoformat(),
            "sampling_place": "采样点"}  # fmt: skip
    r = _post(c, "/api/v1/cases/cases", {**body, "person_id": theirs.pk})
    assert r.status_code == 404 and "person_id" in r.json()["error"]["fields"]
    assert not Case.objects.exists()
    r = _post(c, "/api/v1/cases/cases", {**body, "person_id": mine.pk})
    assert r.status_code == 201, r.content
    assert r.json()["found"] == "community" and r.json()["person_id"] == mine.pk
    r = c.get("/api/v1/cases/cases?found=community")
    assert r.status_code == 200 and r.json()["count"] == 1
    r = c.get("/api/v1/cases/cases?found=under_control")
    assert r.status_code == 200 and r.json()["count"] == 0


def test_the_pages_show_the_case_to_its_areas_only(county, users, login, access):
    case = hand(PersonFactory(area=county.village_a), users["county"])
    access.check(case.get_absolute_url(), allowed=["county", "township_a", "auditor"],
                 other_area=["township_b"], denied_role=["sampler_a", "lab"])  # fmt: skip
    page = login(users["county"]).get(case.get_absolute_url()).content.decode()
    assert case.person.name in page and "社会面发现" in page
    listing = login(users["county"]).get("/cases/").content.decode()
    assert case.person.name in listing
    other = login(users["township_b"]).get("/cases/")
    assert other.status_code == 200 and case.person.name not in other.content.decode()


def test_registering_by_hand_on_the_page(county, users, login):
    person = PersonFactory(area=county.village_a)
    c = login(users["township_a"])
    data = {"id_number": person.id_number, "kind": "confirmed",
            "sampled_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "sampling_place": "采样点"}  # fmt: skip
    r = c.post("/cases/new/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get(person=person)
    assert r["Location"] == case.get_absolute_url()
    r = c.post("/cases/new/", {**data, "id_number": PersonFactory(area=county.village_b).id_number})
    assert r.status_code == 422 and Case.objects.count() == 1


# --- from a workbook -------------------------------------------------------------------------
def cases_sheet(rows) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["病例信息表"])
    ws.append(["姓名", "证件号码", "类型", "采样时间", "采样地点", "报告时间"])
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_workbook_of_cases_is_registered_and_classified(county, users):
    from fangkong.cases.services.case_import import import_cases

    a, b = PersonFactory(area=county.village_a), PersonFactory(area=county.village_a)
    start_episode(b, "close_contact", by=users["county"])
    # sampled this minute: b's control began today, and a sampling before local midnight
    # would be before it (found in the community), whatever the hour the test runs
    now = timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
    sampled = now.strftime("%Y-%m-%d %H:%M")
    made = import_cases(cases_sheet([
        (a.name, a.id_number, "确诊病例", sampled, "桃花社区采样点", ""),
        ("", b.id_number, "无症状感染者", now, "集中隔离点", ""),
    ]), by=users["township_a"])  # fmt: skip
    assert [(c.person, c.kind, c.found, c.origin) for c in made] == [
        (a, "confirmed", "community", "import"),
        (b, "asymptomatic", "under_control", "import"),
    ]


def test_a_workbook_with_a_bad_row_registers_no_case(county, users, login):
    from fangkong.cases.services.case_import import import_cases

    a, far = PersonFactory(area=county.village_a), PersonFactory(area=county.village_b)
    dup = PersonFactory(area=county.village_a)
    hand(dup, users["county"])
    at = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    rows = [
        (a.name, a.id_number, "确诊", at, "点", ""),  # good
        ("", far.id_number, "确诊", at, "点", ""),  # outside township A
        ("", dup.id_number, "确诊", at, "点", ""),  # a case already
        ("", a.id_number, "疑似", at, "点", ""),  # not a kind
        ("", "500242199001010000", "确诊", at, "点", ""),  # not in the registry
        ("", PersonFactory(area=county.village_a).id_number, "确诊", "昨天", "点", ""),
    ]
    notices = Notice.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        import_cases(cases_sheet(rows), by=users["township_a"])
    assert set(exc.value.fields) == {f"row {n}" for n in (4, 5, 6, 7, 8)}
    assert Case.objects.count() == 1 and Notice.objects.count() == notices  # nothing kept
    c = login(users["township_a"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    good = SimpleUploadedFile("cases.xlsx", cases_sheet(rows[:1]))
    r = c.post("/api/v1/cases/cases/import", {"file": good})
    assert r.status_code == 201, r.content
    assert [x["person_id"] for x in r.json()] == [a.pk] and Case.objects.count() == 2
    page = c.get("/cases/")
    assert page.status_code == 200 and 'data-testid="case-import"' in page.content.decode()
