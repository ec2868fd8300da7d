"""The demo's isolation sites and testing round, loaded on the test county: what a newcomer
opening the pages sees, and a second run adding nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from fangkong.cases import selectors as cases_selectors
from fangkong.cases.models import CaseCandidate
from fangkong.control.models import ControlEpisode
from fangkong.core.demo import ensure_demo_users
from fangkong.core.models import AuditLog, User
from fangkong.sites import selectors as site_selectors
from fangkong.sites.choices import DueFlag, RoomState, SiteStatus
from fangkong.sites.demo import load_demo_sites
from fangkong.sites.models import IsolationSite, Room, Stay, TurnoverStep
from fangkong.testing import selectors as testing_selectors
from fangkong.testing.demo import load_demo_testing
from fangkong.testing.models import RetestTask, ScreeningRound, Tube
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.usefixtures("no_sms")


@pytest.fixture
def loaded(county, settings, tmp_path):
    """The demo users, 100 residents of 钟多街道 (one household of three), both loaders."""
    settings.VAR_DIR = tmp_path
    ensure_demo_users()
    home = HouseholdFactory(area=county.village_a)
    for name in ("冉父", "冉母", "冉女"):
        PersonFactory(area=county.village_a, household=home, name=name)
    for _ in range(97):
        PersonFactory(area=county.village_a)
    return load_demo_sites(), load_demo_testing()


def user(name: str) -> User:
    return User.objects.get(username=name)


def test_capacity_has_occupied_beds_and_a_reserve_site(loaded):
    sites, _testing = loaded
    report = site_selectors.capacity(user("site"))
    assert len(report.sites) == 3
    assert report.total.occupied > 20 and report.total.persons == sites["stays"]
    assert report.total.out_of_service == 1 and report.total.turnover >= 3
    assert report.total.reserve_ready > 0
    reserve = IsolationSite.objects.get(status=SiteStatus.RESERVE)
    assert reserve.ready_date is not None
    assert len({c.site.kind for c in report.sites}) == 3


def test_a_household_shares_a_room(loaded):
    family = Stay.objects.filter(person__name__in=["冉父", "冉母", "冉女"], status="open")
    assert family.count() == 3
    assert len({s.room_id for s in family}) == 1


def test_due_list_has_people_due_today_and_one_overdue(loaded):
    sites, _testing = loaded
    manager = user("site")
    due = list(site_selectors.due_stays(manager))
    assert sites["due_today"] >= 3 and sites["due_tomorrow"] >= 2
    assert Stay.objects.filter(status="open", due_flag=DueFlag.TODAY).count() >= 3
    assert any(s.due_flag == DueFlag.TODAY for s in due)
    over = list(site_selectors.overstays(manager))
    assert len(over) == 1 and over[0].overstay_reason


def test_vacated_rooms_are_in_turnover(loaded):
    assert Room.objects.filter(state=RoomState.AWAITING_DISINFECTION).exists()
    assert Room.objects.filter(state=RoomState.DISINFECTED).exists()
    assert Room.objects.filter(state=RoomState.RESTOCKED).exists()
    assert TurnoverStep.objects.filter(turnaround_seconds__isnull=False).count() == 1


def test_positive_pool_has_open_retests_for_its_members(loaded):
    _sites, testing = loaded
    pool = Tube.objects.get(kind="pooled", result__outcome="positive")
    members = set(pool.members.values_list("person_id", flat=True))
    tasks = testing_selectors.open_retests(user("sampler"))
    assert {t.person_id for t in tasks if t.source_tube_id == pool.pk} == members
    assert len(members) == 10 and testing["retests"] == 10
    controlled = ControlEpisode.objects.filter(
        person_id__in=members, status="active", reason="pool_positive_awaiting_retest"
    )
    assert controlled.count() == 10


def test_single_positive_is_an_open_case_candidate(loaded):
    open_, _decided = cases_selectors.candidate_board(user("county"))
    assert [c.tube.kind for c in open_] == ["single"]


def test_some_tubes_are_still_on_the_road(loaded):
    _sites, testing = loaded
    assert testing["in_transit"] == 2 and testing["published"] == 6
    tubes = testing_selectors.tubes_for(user("county"))
    assert list(testing_selectors.overdue(tubes, "receipt"))  # the single tube, past 6 h
    assert testing_selectors.turnaround(tubes)[0].tubes == testing["tubes"]


def test_a_second_run_adds_nothing(loaded):
    counts = (
        IsolationSite.objects.count(), Room.objects.count(), Stay.objects.count(),
        ScreeningRound.objects.count(), Tube.objects.count(), RetestTask.objects.count(),
        CaseCandidate.objects.count(), AuditLog.objects.count(),
    )  # fmt: skip
    assert load_demo_sites() == {"skipped": 1}
    assert load_demo_testing() == {"skipped": 1}
    assert counts == (
        IsolationSite.objects.count(), Room.objects.count(), Stay.objects.count(),
        ScreeningRound.objects.count(), Tube.objects.count(), RetestTask.objects.count(),
        CaseCandidate.objects.count(), AuditLog.objects.count(),
    )  # fmt: skip


@pytest.mark.parametrize(
    "who, url",
    [("site", "/sites/"), ("site", "/sites/capacity/"), ("site", "/sites/due/"),
     ("county", "/testing/"), ("county", "/testing/retests/"), ("county", "/cases/candidates/"),
     ("county", "/testing/turnaround/")],
)  # fmt: skip
def test_the_pages_show_it(loaded, who, url):
    client = Client()
    client.force_login(user(who))
    resp = client.get(url)
    assert resp.status_code == 200
    html = resp.content.decode()
    if url.startswith("/sites/"):
        assert "酉州宾馆集中隔离点" in html
    if url == "/cases/candidates/":
        assert "S" in html and CaseCandidate.objects.get().person.name in html
