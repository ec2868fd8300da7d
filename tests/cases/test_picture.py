"""What the command centre reads of cases: the WHO tracing indicators, the zero-community-case
streak for the county and each township with its history, the chains of transmission as a
graph, and the cases section of the daily picture."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.cases import graph, selectors, services
from fangkong.cases.models import Case, Contact
from fangkong.core import figures as core_figures
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def register(person, by, days_ago=0, **kw):
    reported = timezone.now() - dt.timedelta(days=days_ago)
    return services.register_case(person, kind=kw.pop("kind", "confirmed"), by=by,
                                  sampled_at=reported - dt.timedelta(hours=2),
                                  sampling_place="采样点", reported_at=reported, **kw)  # fmt: skip


# --- indicators ------------------------------------------------------------------------------
def test_the_tracing_indicators(county, users):
    by = users["county"]
    first = register(PersonFactory(area=county.village_a), by, days_ago=0.1)
    people = [PersonFactory(area=county.village_a) for _ in range(4)]
    done = services.register_contacts(first, [services.ContactEntry(person=p) for p in people],
                                      by=by)  # fmt: skip
    # one contact put under control late: 30 hours after the case's report (stored as the
    # services store it; test_contacts checks that they do)
    late = done[3].contact
    Contact.objects.filter(pk=late.pk).update(
        controlled_at=first.reported_at + dt.timedelta(hours=30), controlled_in_time=False
    )
    second = register(people[0], by)  # a known contact becomes a case
    register(PersonFactory(area=county.village_b), by)  # and one nobody knew
    assert second.source_contact_id == done[0].contact.pk and second.cluster == first.cluster
    i = selectors.indicators(by)
    assert (i.cases, i.contacts) == (3, 4)
    assert i.contacts_per_case == 1.3
    assert i.controlled_in_24h_pct == 75.0  # 3 of 4
    assert i.from_contacts_pct == 33.3  # 1 of 3
    assert selectors.indicators(users["township_b"]).contacts == 0  # another township's
    assert selectors.indicators(users["township_b"]).cases == 1


# --- the streak ------------------------------------------------------------------------------
def test_the_streak_counts_days_without_a_community_case(county, users):
    by = users["county"]
    today = timezone.localdate()
    register(PersonFactory(area=county.village_a), by, days_ago=5)  # community, township A
    register(PersonFactory(area=county.village_b), by, days_ago=3)  # community, township B
    under = PersonFactory(area=county.village_a)
    from fangkong.control.services import start_episode

    start_episode(under, "close_contact", by=by, start_date=today - dt.timedelta(days=2))
    assert register(under, by, days_ago=1).found == "under_control"  # does not break it
    board = selectors.streaks(by, today, history_days=7)
    assert board.overall.days == 3 and board.overall.last_community == today - dt.timedelta(days=3)
    towns = {s.area.name: s.days for s in board.townships}
    assert towns == {"钟多街道": 5, "龙潭镇": 3}
    history = {d: (n, k) for d, n, k in board.history}
    assert history[today - dt.timedelta(days=3)] == (1, 0)
    assert history[today - dt.timedelta(days=4)] == (0, 1)
    assert history[today] == (0, 3)
    # a township officer sees their own township only
    own = selectors.streaks(users["township_a"], today)
    assert own.overall.days == 5 and [s.area.name for s in own.townships] == ["钟多街道"]


def test_no_case_at_all_is_no_streak_to_count(county, users):
    board = selectors.streaks(users["county"], timezone.localdate())
    assert board.overall.days is None and len(board.townships) == 2


def test_the_streak_page_and_api(county, users, login):
    register(PersonFactory(area=county.village_a), users["county"], days_ago=2)
    c = login(users["county"])
    page = c.get("/cases/streak/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="streak-overall"' in html and "钟多街道" in html
    r = c.get("/api/v1/cases/streak?history=7")
    assert r.status_code == 200 and r.json()["overall"]["days"] == 2
    assert len(r.json()["history"]) == 7
    assert c.get("/api/v1/cases/streak?history=0").status_code == 422


# --- the chain graph -------------------------------------------------------------------------
def test_the_chain_of_a_cluster(county, users, login):
    by = users["county"]
    first = register(PersonFactory(area=county.village_a), by, days_ago=1)
    a, b = PersonFactory(area=county.village_a), PersonFactory(area=county.village_b)
    services.register_contacts(first, [services.ContactEntry(person=a),
                                       services.ContactEntry(person=b)], by=by)  # fmt: skip
    second = register(a, by)  # contact a became a case
    c2 = PersonFactory(area=county.village_a)
    services.register_contact(second, c2, by=by)
    data = graph.cluster_graph(by, first.cluster)
    ids = {n["data"]["id"] for n in data["nodes"]}
    assert ids == {f"c{first.pk}", f"c{second.pk}", f"p{b.pk}", f"p{c2.pk}"}
    edges = {(e["data"]["source"], e["data"]["target"]) for e in data["edges"]}
    assert edges == {(f"c{first.pk}", f"c{second.pk}"), (f"c{first.pk}", f"p{b.pk}"),
                     (f"c{second.pk}", f"p{c2.pk}")}  # fmt: skip
    # township B sees only what lies in its areas: contact b, not the cases
    assert graph.cluster_graph(users["township_b"], first.cluster)["nodes"] == []
    assert [c.cases for c in graph.clusters(by)] == [2]
    client = login(by)
    r = client.get(f"/api/v1/cases/clusters/{first.cluster}/graph")
    assert r.status_code == 200 and len(r.json()["nodes"]) == 4
    page = client.get(f"/cases/chains/{first.cluster}/")
    assert page.status_code == 200 and b"cytoscape.min.js" in page.content
    assert login(users["township_b"]).get(f"/cases/chains/{first.cluster}/").status_code == 404
    r = login(users["township_b"]).get(f"/api/v1/cases/clusters/{first.cluster}/graph")
    assert r.status_code == 404
    chains = client.get("/cases/chains/")
    assert (
        chains.status_code == 200 and f"/cases/chains/{first.cluster}/" in chains.content.decode()
    )


# --- the daily picture's section -------------------------------------------------------------
def test_the_cases_section_of_the_daily_picture(county, users):
    by = users["county"]
    today = timezone.localdate()
    register(PersonFactory(area=county.village_a), by)
    register(PersonFactory(area=county.village_b), by, kind="asymptomatic")
    register(PersonFactory(area=county.village_b), by, days_ago=3)
    sections = {s.section.key: s for s in core_figures.sections_for(by, today)}
    figs = {f.key: f for f in sections["cases"].figures}
    assert figs["cases.today"].value == 2 and figs["cases.total"].value == 3
    assert figs["cases.today_asymptomatic"].value == 1
    assert figs["cases.today_community"].value == 2 and figs["cases.total_controlled"].value == 0
    assert figs["cases.streak"].value == 0
    assert figs["cases.today"].by_township == {county.town_a.path: 1, county.town_b.path: 1}
    assert figs["cases.streak"].by_township == {county.town_a.path: 0, county.town_b.path: 0}
    own = {f.key: f.value for f in core_figures.sections_for(users["township_a"], today)[0].figures
           if f.key.startswith("cases.")}  # fmt: skip
    assert own["cases.total"] == 1
    assert Case.objects.count() == 3
    yesterday = {
        f.key: f.value for f in sections["cases"].section.figures(by, today - dt.timedelta(days=1))
    }
    assert yesterday["cases.total"] == 1 and yesterday["cases.today"] == 0


def test_the_epidemic_curve_counts_new_cases_per_report_day_in_the_users_areas(county, users):
    by = users["county"]
    today = timezone.localdate()
    register(PersonFactory(area=county.village_a), by)
    register(PersonFactory(area=county.village_b), by, kind="asymptomatic")
    register(PersonFactory(area=county.village_b), by, days_ago=3)
    register(PersonFactory(area=county.village_b), by, days_ago=20)  # before the range
    start = today - dt.timedelta(days=6)
    series = {s.key: s for s in core_figures.series_for(by, start, today)}
    confirmed, asymptomatic = series["cases.new_confirmed"], series["cases.new_asymptomatic"]
    assert confirmed.chart == asymptomatic.chart == "epidemic_curve"
    assert confirmed.type == "bar" and confirmed.stack == asymptomatic.stack == "cases"
    assert confirmed.points == {today: 1, today - dt.timedelta(days=3): 1}
    assert asymptomatic.points == {today: 1}
    assert series["cases.found_community"].points == {today: 2, today - dt.timedelta(days=3): 1}
    assert series["cases.found_under_control"].points == {}
    # a township sees its own cases only; a role without case.view no curve at all
    own = {s.key: s for s in core_figures.series_for(users["township_a"], start, today)}
    assert (
        own["cases.new_confirmed"].points == {today: 1}
        and own["cases.new_asymptomatic"].points == {}
    )
    assert not any(
        s.key.startswith("cases.")
        for s in core_figures.series_for(users["sampler_a"], start, today)
    )


def test_the_epidemic_curve_is_one_query(county, users, django_assert_num_queries):
    by = users["county"]
    for i in range(3):
        register(PersonFactory(area=county.village_a), by, days_ago=i)
    from fangkong.cases.figures import daily_series

    today = timezone.localdate()
    with django_assert_num_queries(1):
        daily_series(by, today - dt.timedelta(days=29), today)
