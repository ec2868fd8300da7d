"""The person's page says whether they are under control, in which phase and on which day,
and offers to start an episode when they are not."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.control.services import start_episode

pytestmark = pytest.mark.django_db


def test_a_person_under_control_shows_phase_and_day_n_of_m(users, login, person_a):
    today = timezone.localdate()
    start_episode(
        person_a, "close_contact", start_date=today - dt.timedelta(days=1), by=users["township_a"]
    )
    page = login(users["township_a"]).get(f"/people/persons/{person_a.pk}/").content.decode()
    assert 'data-testid="control-status"' in page
    assert "day 2 of 5" in page
    assert "Put under control" not in page


def test_a_person_not_under_control_gets_a_start_button_for_operators(users, login, person_a):
    page = login(users["township_a"]).get(f"/people/persons/{person_a.pk}/").content.decode()
    assert "Not under control." in page
    assert f"/control/episodes/new/?person={person_a.pk}" in page


def test_a_role_without_episode_access_sees_no_control_card(
    users, login, person_a, make_user, county
):
    from fangkong.core.roles import Role

    sampler = make_user(Role.SAMPLER, county.town_a)
    response = login(sampler).get(f"/people/persons/{person_a.pk}/")
    page = response.content.decode()
    assert response.status_code == 200 and person_a.name in page  # the page itself is there
    assert 'data-testid="control-status"' not in page
