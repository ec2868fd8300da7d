"""Episode pages: scoped by the person's area at start (another township: 404), managed by
operators and site managers, read by auditors; forms land errors on their fields."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.control.models import ControlEpisode
from fangkong.core.roles import Role
from fangkong.core.timeline import timeline_of
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
VIEWERS_A = ["county", "township_a", "village_a", "auditor"]
NOT_VIEWERS = ["sampler_a", "lab", "admin"]


def names(response):
    assert response.status_code == 200
    return {obj.person.name for obj, _values in response.context["rows"]}


def test_episode_list_shows_only_own_township(login, users, episode_a, episode_b):
    assert names(login(users["township_a"]).get("/control/episodes/")) == {"张三"}
    assert names(login(users["township_b"]).get("/control/episodes/")) == {"李四"}
    assert names(login(users["county"]).get("/control/episodes/")) == {"张三", "李四"}


def test_episode_list_access(access, episode_a):
    access.check("/control/episodes/", allowed=[*VIEWERS_A, "township_b"], denied_role=NOT_VIEWERS)


def test_episode_list_shows_day_n_of_m(login, users, episode_a, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(2022, 11, 25))
    response = login(users["county"]).get("/control/episodes/")
    [(_obj, values)] = response.context["rows"]
    assert "day 3 of 5" in values


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"reason": "close_contact"}, {"张三", "李四"}),
        ({"reason": "inbound_traveller"}, set()),
        ({"status": "active"}, {"张三", "李四"}),
        ({"kind": "centralized_isolation"}, {"张三", "李四"}),
        ({"kind": "home_isolation"}, set()),
        ({"due": "today"}, {"张三", "李四"}),  # planned end 2022-11-27, long past
        ({"due": "overdue"}, {"张三", "李四"}),
        ({"due": "tomorrow"}, set()),
    ],
)
def test_episode_list_filters(login, users, episode_a, episode_b, params, expected):
    assert names(login(users["county"]).get("/control/episodes/", params)) == expected


def test_area_filter(login, users, county, episode_a, episode_b):
    client = login(users["county"])
    assert names(client.get("/control/episodes/", {"area": county.town_b.pk})) == {"李四"}
    # another township's area is not a choice for a township officer
    other = login(users["township_a"]).get("/control/episodes/", {"area": county.town_b.pk})
    assert "李四" not in names(other)
    assert "张三" in names(other)  # the list rendered, with the officer's own episode


def test_episode_list_query_count_does_not_grow_with_rows(login, users, county, episode_a):
    from fangkong.control.services import start_episode

    client = login(users["county"])
    with CaptureQueriesContext(connection) as few:
        client.get("/control/episodes/")
    for _ in range(5):
        p = PersonFactory(area=county.village_a)
        start_episode(p, "close_contact", start_date=dt.date(2022, 11, 23), by=users["county"])
    with CaptureQueriesContext(connection) as many:
        client.get("/control/episodes/")
    assert len(many) == len(few)


def test_episode_detail_access(access, episode_a):
    access.check(
        f"/control/episodes/{episode_a.pk}/",
        allowed=VIEWERS_A,
        denied_role=NOT_VIEWERS,
        other_area=["township_b"],
    )


def test_episode_detail_shows_phases_day_and_test_days(login, users, episode_a, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(2022, 11, 24))
    html = login(users["township_a"]).get(f"/control/episodes/{episode_a.pk}/").content.decode()
    html = re.sub(r"<[^>]+>", "", html)
    assert "day 2 of 5" in html
    assert "11-23, 11-24, 11-25, 11-27" in html and "11-28, 11-30" in html
    assert "Extend or shorten" in html and "The 20 measures" in html  # named, not coded
    assert "cn-20-measures" not in html


def test_auditor_sees_the_episode_without_actions(login, users, episode_a):
    response = login(users["auditor"]).get(f"/control/episodes/{episode_a.pk}/")
    html = response.content.decode()
    assert response.status_code == 200 and "张三" in html and "The 20 measures" in html
    assert "Extend or shorten" not in html


def test_start_form_from_a_person(access, login, users, person_a):
    url = f"/control/episodes/new/?person={person_a.pk}"
    access.check(
        url,
        allowed=["county", "township_a", "village_a"],
        denied_role=["auditor", "sampler_a", "lab"],
        other_area=["township_b"],
    )
    client = login(users["village_a"])
    response = client.post(url, {"reason": "close_contact", "start_date": "2022-11-23"})
    episode = ControlEpisode.objects.get(person=person_a)
    assert (
        response.status_code == 302 and response["Location"] == f"/control/episodes/{episode.pk}/"
    )


def test_start_form_without_or_with_a_bad_person_is_404(login, users):
    client = login(users["county"])
    assert client.get("/control/episodes/new/").status_code == 404
    assert client.get("/control/episodes/new/?person=abc").status_code == 404


def test_start_form_refuses_a_second_episode_on_the_person_field(login, users, episode_a, person_a):
    response = login(users["township_a"]).post(
        f"/control/episodes/new/?person={person_a.pk}",
        {"reason": "close_contact", "start_date": "2022-11-24"},
    )
    assert response.status_code == 422
    assert "already under control" in " ".join(response.context["form"].non_field_errors())


def test_start_form_no_rule_in_force_lands_on_reason(login, users, person_a):
    response = login(users["township_a"]).post(
        f"/control/episodes/new/?person={person_a.pk}",
        {"reason": "secondary_contact", "start_date": "2022-11-23"},
    )
    assert response.status_code == 422 and response.context["form"].errors["reason"]


def test_site_manager_in_the_township_may_start(make_user, login, county, person_a):
    manager = make_user(Role.SITE_MANAGER, county.town_a)
    response = login(manager).post(
        f"/control/episodes/new/?person={person_a.pk}",
        {"reason": "close_contact", "start_date": "2022-11-23"},
    )
    assert response.status_code == 302


def test_adjust_form(access, login, users, episode_a, person_a):
    phase = episode_a.phases.get(order=1)
    url = f"/control/phases/{phase.pk}/adjust/"
    access.check(
        url,
        allowed=["county", "township_a", "village_a"],
        denied_role=["auditor", "lab"],
        other_area=["township_b"],
    )
    client = login(users["township_a"])
    bad = client.post(url, {"new_end_date": "2022-11-29", "reason_text": ""})
    assert bad.status_code == 422 and bad.context["form"].errors["reason_text"]
    ok = client.post(url, {"new_end_date": "2022-11-29", "reason_text": "positive roommate"})
    assert ok.status_code == 302
    assert "positive roommate" in timeline_of(person_a)[0].summary


def test_complete_form_early_without_reason(login, users, episode_a):
    phase = episode_a.phases.get(order=1)
    url = f"/control/phases/{phase.pk}/complete/"
    client = login(users["township_a"])
    bad = client.post(url, {"on_date": "2022-11-25"})
    assert bad.status_code == 422 and bad.context["form"].errors["early_reason"]
    ok = client.post(url, {"on_date": "2022-11-27"})
    assert ok.status_code == 302
    assert episode_a.phases.get(order=2).status == "active"


def test_complete_and_cancel_of_other_township_answer_404(login, users, episode_a):
    client = login(users["township_b"])
    phase = episode_a.phases.get(order=1)
    assert (
        client.post(f"/control/phases/{phase.pk}/complete/", {"on_date": "2022-11-27"}).status_code
        == 404
    )
    assert (
        client.post(f"/control/episodes/{episode_a.pk}/cancel/", {"reason_text": "x"}).status_code
        == 404
    )
    assert episode_a.phases.get(order=1).status == "active"


def test_cancel_form(access, login, users, episode_a):
    url = f"/control/episodes/{episode_a.pk}/cancel/"
    access.check(url, allowed=["township_a"], denied_role=["auditor"], other_area=["township_b"])
    response = login(users["township_a"]).post(url, {"reason_text": "duplicate"})
    assert response.status_code == 302
    episode_a.refresh_from_db()
    assert episode_a.status == "cancelled"


def test_the_first_day_reads_day_1_in_chinese(login, users, episode_a, monkeypatch, settings):
    """第1天 on the start date (not 第0天), in the list and on the episode's page."""
    from django.utils import timezone

    settings.LANGUAGE_CODE = "zh-hans"
    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(2022, 11, 23))
    client = login(users["township_a"])
    for url in ("/control/episodes/", f"/control/episodes/{episode_a.pk}/"):
        html = re.sub(r"<[^>]+>", "", client.get(url).content.decode())
        assert "第1天" in html, url
        assert "第0天" not in html and "day 1" not in html
    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(2022, 11, 24))
    html = re.sub(r"<[^>]+>", "", client.get("/control/episodes/").content.decode())
    assert "第2天" in html and "第1天" not in html
