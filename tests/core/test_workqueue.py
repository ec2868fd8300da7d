"""The work queue on each role's home page: what waits in the user's own areas, counted per
queue (one query each), the most urgent first, each with a page the role can open; the
county's table per township."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.cases.models import Contact
from fangkong.cases.services import register_case
from fangkong.command.services.directives import issue as issue_directive
from fangkong.control.rules import rule_in_force
from fangkong.control.services import start_episode
from fangkong.core import workqueue
from fangkong.core.roles import Role
from fangkong.sites import services as sites
from fangkong.sites.choices import SiteKind
from fangkong.testing import services as testing
from fangkong.testing.models import Tube
from tests.core.conftest import work_on
from tests.factories import PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_sms")]

KEYS = [
    "sites.releases_due", "sites.overstays", "sites.turnover", "control.phases_due",
    "testing.retests", "cases.candidates", "testing.late_tubes", "cases.uncontrolled_contacts",
    "workforce.overdue",
    "arrivals.to_acknowledge", "arrivals.overdue", "arrivals.lift_due", "checkpoints.unstaffed",
    "home_isolation.checks", "home_isolation.placement", "home_isolation.requests",
    "home_isolation.alerts", "home_isolation.reviews",
    "transfers.to_plan",
    "command.directives",
]  # fmt: skip
POOL = {"a": 3, "b": 2}  # members of each township's positive pool: its retests


@pytest.fixture
def users(users, county, make_user):
    """The shared users plus, in each township, a site manager, a sampler and county
    command staff posted there."""
    more = {}
    for t, area in (("a", county.town_a), ("b", county.town_b)):
        more[f"site_{t}"] = make_user(Role.SITE_MANAGER, area, username=f"site_{t}")
        more[f"command_{t}"] = make_user(Role.COUNTY_COMMAND, area, username=f"command_{t}")
    more["sampler_b"] = make_user(Role.SAMPLER, county.town_b, username="sampler_b")
    more["dispatcher"] = make_user(Role.TRANSFER_DISPATCHER, county.county, username="disp")
    more["checkpoint"] = make_user(Role.CHECKPOINT_OFFICER, county.county, username="chk")
    for t, area in (("a", county.town_a), ("b", county.town_b)):
        more[f"checkpoint_{t}"] = make_user(Role.CHECKPOINT_OFFICER, area, username=f"chk_{t}")
    return {**users, **more}


@dataclass
class Township:
    site: object
    point: object


def _centralized_days(area) -> int:
    first = rule_in_force("close_contact", timezone.localdate(), area=area).snapshot["phases"][0]
    assert first["kind"] == "centralized_isolation"
    return int(first["days"])


def _isolate(room, person, days_ago, manager):
    start = timezone.localdate() - dt.timedelta(days=days_ago)
    start_episode(person, "close_contact", start_date=start, by=manager)
    return sites.check_in(room, [person], by=manager, reason="close_contact")[0]


def _sites_of(town, village, manager, county_user) -> object:
    """A site with one person due today, one past the planned end and one room vacated today
    (its person released when due): one item in each of the sites' queues."""
    site = sites.create_site(
        by=county_user,
        data=sites.SiteData(name=f"{town.name}隔离点", kind=SiteKind.HOTEL, address="路1号",
                            area=town, manager_name="王", manager_phone="13800138000"),
    )  # fmt: skip
    sites.bulk_create_rooms(site, by=county_user, floors=1, rooms_per_floor=4, beds=1)
    rooms = list(site.rooms.order_by("number"))
    days = _centralized_days(village)
    _isolate(rooms[0], PersonFactory(area=village), days - 1, manager)  # due today
    _isolate(rooms[1], PersonFactory(area=village), days, manager)  # a day past the end
    leaving = _isolate(rooms[2], PersonFactory(area=village), days - 1, manager)
    sites.release(leaving, by=manager)  # its room goes into turnover
    return site


def _testing_of(t, town, village, sampler, lab, rnd, users) -> object:
    """A testing point whose positive pool opens retests, a positive single tube a case
    candidate, and a pooled tube sampled 25 hours ago not yet at the lab."""
    point = testing.create_point(name=f"{town.name}采样点", kind="fixed", area=town,
                                 samplers=[sampler], by=users["county"])  # fmt: skip
    late = testing.sample(rnd, point, person=PersonFactory(area=village), tube_barcode=f"LATE{t}1",
                          by=sampler, at=timezone.now() - dt.timedelta(hours=25))  # fmt: skip
    testing.close_tube(late.tube, by=sampler)
    for _ in range(POOL[t]):
        pool = testing.sample(rnd, point, person=PersonFactory(area=village),
                              tube_barcode=f"POOL{t}1", by=sampler).tube  # fmt: skip
    pool = testing.close_tube(pool, by=sampler)
    suspect = PersonFactory(area=village)
    start_episode(suspect, "close_contact", by=users["county"])  # sampled singly
    single = testing.sample(rnd, point, person=suspect, tube_barcode=f"SING{t}1", by=sampler).tube
    box = testing.create_box(barcode=f"BOX{t}1", point=point, by=sampler)
    for tube in (pool, single):
        testing.add_tube(box, tube.barcode, by=sampler)
    testing.hand_over(box, courier_name="王师傅", lab=lab, by=sampler)
    testing.receive_box(box, lab=lab, by=users["lab"])
    for tube in (pool, single):
        testing.record_result(Tube.objects.get(pk=tube.pk), outcome="positive", by=users["lab"])
    testing.publish_results(by=users["lab"], lab=lab)
    return point


def _cases_of(village, users) -> None:
    """A case with one contact whose control could not start (kept without an episode)."""
    case = register_case(PersonFactory(area=village), kind="confirmed", sampling_place="点",
                         sampled_at=timezone.now(), by=users["county"])  # fmt: skip
    person = PersonFactory(area=village)
    Contact.objects.create(case=case, person=person, area=village, kind="close",
                           control_note="no rule")  # fmt: skip


def _home_of(village, users) -> None:
    """A person at home (not due yet) whose home failed the check, with a request, a fever
    report (an alert) and a review left open: one item in each home-isolation queue."""
    from decimal import Decimal

    from fangkong.home_isolation import services as home
    from fangkong.home_isolation.models import CloseReview
    from fangkong.home_isolation.services.portal import record_report

    person = PersonFactory(area=village)
    episode = start_episode(person, "left_high_risk_area", by=users["county"])
    phase = episode.phases.all()[0]
    home.assess_household(person, home.Answers(), origin="cadre", by=users["county"])
    home.create_request(person, kind="groceries", by=users["county"])
    record_report(person, phase, Decimal("38.4"), [])
    CloseReview.objects.create(phase=phase, person=person, area=village,
                               day=timezone.localdate(), reasons=["symptoms"])  # fmt: skip


def _transfer_of(village, county_user) -> None:
    """One close contact waiting for a transfer: the dispatcher's queue."""
    from fangkong.transfers.services import request_transfer

    village.lat, village.lon = 28.84, 108.77
    village.save(update_fields=["lat", "lon"])
    request_transfer([PersonFactory(area=village)], "close_contact", by=county_user)


@pytest.fixture
def world(county, users) -> dict[str, Township]:
    """Work of every queue in township A and in township B."""
    now = timezone.now()
    lab = testing.create_lab(name="县疾控实验室", code="CDC1", area=county.county,
                             technicians=[users["lab"]], by=users["county"])  # fmt: skip
    rnd = testing.create_round(
        name="第1轮", areas=[county.town_a, county.town_b], starts_at=now - dt.timedelta(hours=30),
        ends_at=now + dt.timedelta(days=1), by=users["county"],
    )  # fmt: skip
    out = {}
    for t, town, village, sampler in (
        ("a", county.town_a, county.village_a, users["sampler_a"]),
        ("b", county.town_b, county.village_b, users["sampler_b"]),
    ):
        site = _sites_of(town, village, users[f"site_{t}"], users["county"])
        point = _testing_of(t, town, village, sampler, lab, rnd, users)
        _cases_of(village, users)
        _workers_of(t, town, users["county"])
        _arrivals_of(t, town, village, users)
        _home_of(village, users)
        _transfer_of(village, users["county"])
        out[t] = Township(site, point)
    issue_directive(by=users["county"], title="排查", body="", deadline=now + dt.timedelta(hours=5),
                    areas=[county.town_a, county.town_b])  # fmt: skip
    return out


def _workers_of(t, town, county_user) -> None:
    """An employer with one worker overdue for a test (on the list since yesterday)."""
    from fangkong.workforce import services as workforce
    from fangkong.workforce.models import Sector, Worker

    employer = workforce.create_employer(by=county_user, data=workforce.EmployerData(
        name=f"{town.name}快递站", code=f"91500242MA5U00000{t.upper()}",
        sector=Sector.objects.get(code="courier"), area=town))  # fmt: skip
    worker, _ = workforce.add_worker(employer, by=county_user, name="快递员",
                                     id_number=PersonFactory.build().id_number)  # fmt: skip
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Worker.objects.filter(pk=worker.pk).update(joined_on=yesterday, next_due_on=yesterday)


def _arrivals_of(t, town, village, users) -> None:
    """Two arrivals to acknowledge (one overdue), a high-risk building clean for 6 days, an
    open checkpoint with nobody on shift."""
    from fangkong.arrivals import services as arrivals
    from fangkong.arrivals.models import Arrival
    from fangkong.checkpoints import services as checkpoints
    from tests.factories import add_area

    ids = {
        "a": ("513101198201130014", "360426199101010071"),
        "b": ("110105198001010016", "110105199002020034"),
    }
    made = []
    for number in ids[t]:
        data = arrivals.ArrivalData(name="王五", id_number=number, phone="13800138000",
                                    origin_province="北京市", arrival_date=timezone.localdate(),
                                    area_id=village.pk, address="路1号")  # fmt: skip
        made.append(arrivals.preregister(data)[0])
    Arrival.objects.filter(pk=made[0].pk).update(ack_due_at=timezone.now() - dt.timedelta(hours=3))
    building = add_area(village, village.code + "901", "9栋", "building")
    arrivals.designate(area=building, level="high", starts_on=timezone.localdate() - dt.timedelta(days=6),
                       by=users["county"])  # fmt: skip
    checkpoints.create_checkpoint(checkpoints.CheckpointData(name=f"{town.name}卡口", area=town,
                                                             location="出口"), by=users["county"])  # fmt: skip


def queue(key: str) -> workqueue.Queue:
    return {q.key: q for q in workqueue.queues()}[key]


def count(key: str, user) -> int:
    return queue(key).work(user, timezone.now()).count


# what each township holds per queue, and who (in township A, in B) does that work
EXPECTED = {
    "sites.releases_due": (1, 1, "site_a", "site_b"),
    "sites.overstays": (1, 1, "site_a", "site_b"),
    "sites.turnover": (1, 1, "site_a", "site_b"),
    # the two still in their rooms: centralized isolation ending today, and overdue
    "control.phases_due": (2, 2, "township_a", "township_b"),
    "testing.retests": (POOL["a"], POOL["b"], "township_a", "township_b"),
    "cases.candidates": (1, 1, "command_a", "command_b"),
    "testing.late_tubes": (1, 1, "sampler_a", "sampler_b"),
    "cases.uncontrolled_contacts": (1, 1, "township_a", "township_b"),
    # an essential worker on the whitelist since yesterday, never tested
    "workforce.overdue": (1, 1, "township_a", "township_b"),
    "arrivals.to_acknowledge": (2, 2, "township_a", "township_b"),
    "arrivals.overdue": (1, 1, "township_a", "township_b"),
    "arrivals.lift_due": (1, 1, "command_a", "command_b"),
    "checkpoints.unstaffed": (1, 1, "checkpoint_a", "checkpoint_b"),
    # the person released when due went home unchecked: the village checks the home
    "home_isolation.checks": (1, 1, "township_a", "township_b"),
    "home_isolation.placement": (1, 1, "site_a", "site_b"),
    "home_isolation.requests": (1, 1, "township_a", "township_b"),
    "home_isolation.alerts": (1, 1, "township_a", "township_b"),
    "home_isolation.reviews": (1, 1, "township_a", "township_b"),
    "transfers.to_plan": (1, 1, "command_a", "command_b"),
    # a directive to both townships: each answers its own
    "command.directives": (1, 1, "township_a", "township_b"),
}


def test_every_queue_of_the_issue_is_registered():
    assert set(KEYS) <= {q.key for q in workqueue.queues()}
    assert set(EXPECTED) == set(KEYS)


@pytest.mark.parametrize("key", KEYS)
def test_a_user_counts_their_own_areas_and_not_the_other_townships(world, users, key):
    in_a, in_b, user_a, user_b = EXPECTED[key]
    assert count(key, users[user_a]) == in_a
    assert count(key, users[user_b]) == in_b
    assert count(key, users["county"]) == in_a + in_b


@pytest.mark.parametrize("key", KEYS)
def test_each_count_is_one_query_and_the_township_split_one_more(world, users, key):
    user = users["county"]
    assert user.area_paths and user.role_codes  # the user's own look-ups, once per request
    q = queue(key)
    with CaptureQueriesContext(connection) as ctx:
        q.work(user, timezone.now())
    assert len(ctx.captured_queries) == 1, [c["sql"] for c in ctx.captured_queries]
    with CaptureQueriesContext(connection) as ctx:
        split = q.by_township(user, timezone.now())
    assert len(ctx.captured_queries) == 1
    in_a, in_b, *_ = EXPECTED[key]
    assert split == {world["a"].site.area.path: in_a, world["b"].site.area.path: in_b}


def test_the_village_counts_its_phases_and_retests_only(world, users, county):
    village = users["village_a"]
    # its three pool members and two people in centralized isolation, all of village A
    assert count("testing.retests", village) == POOL["a"]
    assert count("control.phases_due", village) == 2
    assert not queue("sites.releases_due").shown_to(village)


ROLE_USERS = {
    Role.COUNTY_COMMAND: "county",
    Role.TOWNSHIP_OFFICER: "township_a",
    Role.VILLAGE_CADRE: "village_a",
    Role.SITE_MANAGER: "site_a",
    Role.SAMPLER: "sampler_a",
    Role.LAB_TECHNICIAN: "lab",
    Role.CHECKPOINT_OFFICER: "checkpoint_a",
    Role.TRANSFER_DISPATCHER: "dispatcher",
}


@pytest.mark.parametrize("key", KEYS)
def test_each_queue_links_every_role_it_is_shown_to_to_a_page_they_can_open(
    world, users, login, key
):
    q = queue(key)
    assert q.roles
    for role in q.roles:
        user = users[ROLE_USERS[role]]
        assert q.shown_to(user)
        work = q.work(user, timezone.now())
        assert work.count > 0, (key, role)
        resp = login(user).get(work.url)
        assert resp.status_code == 200, (key, role, work.url, resp.status_code)


def test_turnover_links_to_the_sites_board_when_there_is_one_site(world, users):
    url = queue("sites.turnover").work(users["site_a"], timezone.now()).url
    assert url == f"/sites/{world['a'].site.pk}/board/"
    assert queue("sites.turnover").work(users["county"], timezone.now()).url == "/sites/capacity/"


def test_auditor_and_admin_get_no_queue_and_read_only_roles_are_not_asked_to_act(users):
    assert workqueue.queues_for(users["auditor"]) == []
    assert workqueue.queues_for(users["admin"]) == []


def test_a_queue_may_not_be_shown_to_a_role_that_cannot_open_its_page():
    with pytest.raises(ImproperlyConfigured):
        workqueue.register(
            "test.bad",
            label="bad",
            permission="case.candidate.decide",
            roles={Role.SAMPLER},
            work=lambda user, now: workqueue.Work(1, None, "/"),
        )
    assert "test.bad" not in {q.key for q in workqueue.queues()}


# --- the home page ---------------------------------------------------------------------------
def test_home_lists_the_townships_work_and_not_the_other_townships(world, users, login):
    page = login(users["township_a"]).get("/").content.decode()
    assert work_on(page) == {
        "control.phases_due": 2, "testing.retests": POOL["a"],
        "cases.uncontrolled_contacts": 1, "workforce.overdue": 1,
        "arrivals.to_acknowledge": 2, "arrivals.overdue": 1,
        "home_isolation.checks": 1, "home_isolation.requests": 1, "home_isolation.alerts": 1,
        "home_isolation.reviews": 1, "command.directives": 1,
    }  # fmt: skip
    assert "/testing/retests/" in page and "/control/episodes/?status=active&amp;due=today" in page
    # the county's total would be POOL a + b; township B's rows are not on this page
    assert 'data-testid="township-table"' not in page


def test_home_puts_the_overdue_first_then_by_due_time(world, users, login):
    page = login(users["site_a"]).get("/").content.decode()
    shown = list(work_on(page))
    assert set(shown) == {
        "sites.overstays",
        "sites.releases_due",
        "sites.turnover",
        "home_isolation.placement",
    }
    assert shown[0] == "sites.overstays"  # due at the end of yesterday: overdue
    assert 'class="work-item overdue" data-queue="sites.overstays"' in page


@pytest.fixture
def fake_queues():
    """Three queues of the test's own, removed afterwards."""
    now = timezone.now()
    made = {
        "test.later": workqueue.Work(5, now + dt.timedelta(hours=5), "/later/"),
        "test.soon": workqueue.Work(2, now + dt.timedelta(hours=1), "/soon/"),
        "test.none": workqueue.Work(7, None, "/none/"),
        "test.late": workqueue.Work(1, now - dt.timedelta(hours=1), "/late/"),
        "test.later_still": workqueue.Work(3, now - dt.timedelta(hours=3), "/later-still/"),
        "test.empty": workqueue.Work(0, now - dt.timedelta(days=1), "/empty/"),
    }
    for key, work in made.items():
        workqueue.register(key, label=key, permission="area.view", work=lambda u, n, w=work: w)
    yield made
    for key in made:
        workqueue.unregister(key)


def test_items_are_the_longest_overdue_first_then_the_soonest_due_then_undated(fake_queues, users):
    keys = [i.key for i in workqueue.items_for(users["auditor"]) if i.key.startswith("test.")]
    assert keys == ["test.later_still", "test.late", "test.soon", "test.later", "test.none"]
    # an empty queue is not listed, however overdue its (stale) due time


def test_an_empty_queue_says_nothing_waits_and_what_was_looked_at(county, users, login):
    page = login(users["site_a"]).get("/").content.decode()
    assert 'data-testid="work-empty"' in page
    assert "Nothing waits for you in your areas right now." in page
    assert "Rooms waiting for a turnover step" in page  # what was looked at
    assert 'class="work-item' not in page


def test_every_role_has_its_domain_and_no_home_says_it_is_awaited(users, login):
    assert workqueue.AWAITING_DOMAIN == {}
    for who in ("dispatcher", "checkpoint"):
        page = login(users[who]).get("/").content.decode()
        assert page.count("<main") == 1  # the home page itself, not an error page
        assert 'data-testid="work-awaiting"' not in page


def test_the_checkpoint_officer_has_a_domain_now(users, login, settings):
    from fangkong.checkpoints import services as checkpoints

    settings.FANGKONG_OVERVIEW_SECONDS = 0  # the county's officer: each step seen at once
    officer = users["checkpoint"]
    page = login(officer).get("/").content.decode()
    assert 'data-testid="work-awaiting"' not in page
    cp = checkpoints.create_checkpoint(
        checkpoints.CheckpointData(name="G65", area=officer.areas.first(), location="出口"),
        by=users["county"],
    )
    page = login(officer).get("/").content.decode()
    assert "Open checkpoints with nobody on shift" in page and 'class="work-item' in page
    checkpoints.start_shift(cp, by=officer)
    page = login(officer).get("/").content.decode()
    assert "Open checkpoints with nobody on shift" in page  # what was looked at
    assert 'data-testid="work-empty"' in page


# --- the county's table per township ---------------------------------------------------------
def test_county_home_counts_each_queue_per_township(world, users, login, county):
    page = login(users["county"]).get("/").content.decode()
    assert 'data-testid="township-table"' in page
    rows = dict(re.findall(r'data-township="(\d+)">(.*?)</tr>', page))
    table = workqueue.township_table(users["county"])
    keys = [q.key for q in table.queues]
    assert set(keys) == set(KEYS) - {"arrivals.to_acknowledge"}  # the villages' work
    for t, town in (("a", county.town_a), ("b", county.town_b)):
        cells = [int(n) for n in re.findall(r"<td>(\d+)</td>", rows[town.code])]
        assert cells == [EXPECTED[k][0 if t == "a" else 1] for k in keys]
    totals = work_on(page)
    assert totals["testing.retests"] == POOL["a"] + POOL["b"]


def test_county_table_is_one_grouped_query_per_queue(world, users):
    user = users["county"]
    assert user.area_paths and user.role_codes
    n = len(workqueue.queues_for(user))
    with CaptureQueriesContext(connection) as ctx:
        workqueue.township_table(user)
    assert len(ctx.captured_queries) == n + 1  # and the townships' names


def test_a_township_users_home_has_no_table(world, users):
    assert workqueue.township_table(users["township_a"]) is None
    assert workqueue.township_table(users["county"]) is not None


def test_follow_up_deadlines_come_from_the_setting(world, users, settings):
    from fangkong.testing.models import RetestTask

    oldest = RetestTask.objects.order_by("created_at").first().created_at
    assert queue("testing.retests").work(users["county"], timezone.now()).due == oldest + (
        dt.timedelta(hours=2)
    )
    settings.FANGKONG_TESTING_FOLLOW_UP_HOURS = {"retest": 4}
    work = queue("testing.retests").work(users["county"], timezone.now())
    assert work.due == oldest + dt.timedelta(hours=4)


def test_the_county_overview_is_counted_once_a_period_and_says_when_a_townships_each_view(
    world, users, login, settings, county, monkeypatch, make_user
):
    """Above township level the list and the table are the county's overview, counted
    together once a period (their totals agree); a township's officers, who handle the
    items themselves, have theirs counted on every view."""
    from fangkong.checkpoints import services as checkpoints
    from fangkong.core import counts

    settings.FANGKONG_OVERVIEW_SECONDS = 30
    monkeypatch.setattr(counts.time, "time", lambda: 1_800_000_000.0)  # within one period
    client = login(users["county"])
    page = client.get("/").content.decode()
    cells = re.findall(r'data-township="(\d+)">(.*?)</tr>', page)
    assert 'data-testid="counted-at"' in page and cells
    with CaptureQueriesContext(connection) as ctx:
        again = client.get("/").content.decode()
    assert re.findall(r'data-township="(\d+)">(.*?)</tr>', again) == cells
    assert work_on(again) == work_on(page)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "testing_retesttask" not in sql and "checkpoints_checkpoint" not in sql
    # new work by another: the township's checkpoint officer sees it at once, the county's
    # user at the next count
    colleague = make_user(Role.COUNTY_COMMAND, county.county, username="county2")
    checkpoints.create_checkpoint(checkpoints.CheckpointData(
        name="G65", area=county.town_a, location="出口"), by=colleague)  # fmt: skip
    assert (
        work_on(login(users["checkpoint_a"]).get("/").content.decode())["checkpoints.unstaffed"]
        == 2
    )
    assert work_on(client.get("/").content.decode())["checkpoints.unstaffed"] == 2
    # what the user changed themselves is counted again at once, for the others too
    checkpoints.create_checkpoint(checkpoints.CheckpointData(
        name="G75", area=county.town_b, location="出口"), by=users["county"])  # fmt: skip
    assert work_on(client.get("/").content.decode())["checkpoints.unstaffed"] == 4
    assert work_on(login(colleague).get("/").content.decode())["checkpoints.unstaffed"] == 4
    settings.FANGKONG_OVERVIEW_SECONDS = 0  # counted on every view, no time shown
    settings.FANGKONG_WORK_SECONDS = 0
    live = client.get("/").content.decode()
    assert work_on(live)["checkpoints.unstaffed"] == 4
    assert 'data-testid="counted-at"' not in live
    assert 'data-testid="counted-at"' not in login(users["township_a"]).get("/").content.decode()


def test_a_townships_list_is_shared_by_its_officers_and_counted_again_for_who_acted(
    world, users, login, settings, county, monkeypatch, make_user
):
    """Within a township the list is counted once per FANGKONG_WORK_SECONDS for everyone
    with the same roles and areas; an officer's own change is counted at once (and their
    colleague sees that count)."""
    from fangkong.checkpoints import services as checkpoints
    from fangkong.core import counts

    settings.FANGKONG_WORK_SECONDS = 10
    monkeypatch.setattr(counts.time, "time", lambda: 1_800_000_000.0)  # within one period
    officer = users["checkpoint_a"]
    colleague = make_user(Role.CHECKPOINT_OFFICER, county.town_a, username="cp_a2")
    page = login(officer).get("/").content.decode()
    assert 'data-testid="counted-at"' in page and "every 10 seconds" in page
    assert work_on(page)["checkpoints.unstaffed"] == 1
    with CaptureQueriesContext(connection) as ctx:
        login(colleague).get("/")
    assert not [q for q in ctx.captured_queries if "checkpoints_checkpoint" in q["sql"]]
    cp, _other = (checkpoints.create_checkpoint(checkpoints.CheckpointData(
        name=name, area=county.town_a, location="出口"), by=users["county"])
        for name in ("G65", "G75"))  # fmt: skip
    assert work_on(login(colleague).get("/").content.decode())["checkpoints.unstaffed"] == 1
    checkpoints.start_shift(cp, by=officer)  # the officer handles one: counted again
    assert work_on(login(officer).get("/").content.decode())["checkpoints.unstaffed"] == 2
    shift_started = login(colleague).get("/").content.decode()
    assert work_on(shift_started)["checkpoints.unstaffed"] == 2
    assert 'data-township="' not in shift_started  # no table within a township
