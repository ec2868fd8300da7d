"""The room page's forms say what they do: check-in asks why the people are put under
control (nothing assumed), and a release says what follows it and who takes over."""

from __future__ import annotations

import re

import pytest

from fangkong.control.models import ControlEpisode
from fangkong.sites import services
from fangkong.sites.choices import RoomState
from fangkong.sites.models import Room, Stay
from tests.sites.conftest import room_of

pytestmark = pytest.mark.django_db


def test_check_in_asks_for_the_reason_and_uses_it(site, person_a, users, login):
    client = login(users["site_a"])
    room = room_of(site, "101")
    page = client.get(f"/sites/rooms/{room.pk}/").content.decode()
    assert 'data-testid="check-in-reason"' in page and '<option value="">' in page

    url = f"/sites/rooms/{room.pk}/check-in/"
    r = client.post(url, {"people": person_a.id_number}, follow=True)
    assert "Choose why these people are put under control" in r.content.decode()
    assert not Stay.objects.exists()  # nothing assumed, nothing written

    client.post(url, {"people": person_a.id_number, "reason": "inbound_traveller"})
    episode = ControlEpisode.objects.get(person=person_a)
    assert episode.reason == "inbound_traveller"


def test_six_digits_alone_do_not_check_anyone_in(site, person_a, users, login):
    client = login(users["site_a"])
    room = room_of(site, "101")
    r = client.post(
        f"/sites/rooms/{room.pk}/check-in/",
        {"people": person_a.id_number[-6:], "reason": "close_contact"},
        follow=True,
    )
    assert "Not found within your areas" in r.content.decode()
    assert not Stay.objects.exists()


def test_a_release_says_what_comes_next_and_who_takes_over(site, person_a, users, login):
    room = room_of(site, "101")
    services.check_in(room, [person_a], by=users["site_a"], reason="close_contact")
    page = login(users["site_a"]).get(f"/sites/rooms/{room.pk}/").content.decode()
    episode = ControlEpisode.objects.get(person=person_a)
    home = episode.phases.order_by("order").last()  # 5 days here, then 3 at home
    assert home.kind == "home_isolation"
    said = page.split('data-testid="after-release">')[1].split("</p>")[0]
    assert home.planned_end_date.isoformat() in said
    assert person_a.area.name in said


@pytest.fixture
def dirty_room(site):
    """Room 101, just vacated: waiting for its turnover (disinfection first)."""
    room = room_of(site, "101")
    Room.objects.filter(pk=room.pk).update(
        state=RoomState.AWAITING_DISINFECTION, vacated_at=room.created_at
    )
    return room


def test_a_step_on_the_board_updates_every_group_count_without_a_reload(
    users, site, login, dirty_room
):
    room = dirty_room
    client = login(users["site_a"])
    board = client.get(f"/sites/{site.pk}/board/").content.decode()
    assert f'id="count-{RoomState.AWAITING_DISINFECTION}"' in board
    resp = client.post(
        f"/sites/rooms/{room.pk}/step/", {"step": "disinfection"}, headers={"HX-Request": "true"}
    )
    html = resp.content.decode()
    assert resp.status_code == 200
    oob = dict(re.findall(r'id="count-(\w+)"[^>]*hx-swap-oob="true">(\d+)<', html))
    assert oob[RoomState.AWAITING_DISINFECTION] == "0"  # the room left this group
    assert oob[RoomState.DISINFECTED] == "1"  # and is counted in the next
    assert oob[RoomState.READY] == "3"


def _group_oob(html: str, state: str) -> str:
    """The out-of-band fragment of one board group in an htmx answer ('' when not sent)."""
    found = re.search(
        rf'<details[^>]*id="group-{state}"[^>]*hx-swap-oob="true"[^>]*>(.*?)</details>', html, re.S
    )
    return found.group(1) if found else ""


def test_a_step_on_the_board_moves_the_card_into_its_new_group_without_a_reload(
    users, site, login, dirty_room
):
    room = dirty_room
    client = login(users["site_a"])
    board = client.get(f"/sites/{site.pk}/board/").content.decode()
    assert 'data-testid="room-101"' in _group_of(board, RoomState.AWAITING_DISINFECTION)

    resp = client.post(
        f"/sites/rooms/{room.pk}/step/", {"step": "disinfection"}, headers={"HX-Request": "true"}
    )
    html = resp.content.decode()
    assert resp.status_code == 200
    # the card (htmx's target) is replaced by nothing: it left its old group ...
    assert not html.lstrip().startswith("<article")
    # ... and shows in its new group, sent out of band with its next step's button
    moved = _group_oob(html, RoomState.DISINFECTED)
    assert 'data-testid="room-101"' in moved and 'data-testid="step-101"' in moved
    assert _group_oob(html, RoomState.AWAITING_DISINFECTION) == ""


def test_a_refused_step_keeps_the_card_in_its_group_and_says_why(users, login, dirty_room):
    room = dirty_room
    client = login(users["site_a"])
    resp = client.post(
        f"/sites/rooms/{room.pk}/step/", {"step": "inspection"}, headers={"HX-Request": "true"}
    )
    html = resp.content.decode()
    assert resp.status_code == 409 and html.lstrip().startswith("<article")
    assert 'role="alert"' in html and 'id="group-' not in html
    assert Room.objects.get(pk=room.pk).state == RoomState.AWAITING_DISINFECTION


def _group_of(html: str, state: str) -> str:
    found = re.search(rf'<details[^>]*id="group-{state}"[^>]*>(.*?)</details>', html, re.S)
    return found.group(1) if found else ""
