"""The home page opens with today's numbers for the user's areas and roles."""

import re

import pytest
from django.utils import timezone

from fangkong.control.services import start_episode

pytestmark = pytest.mark.django_db


def figure(page: str, label: str) -> int:
    match = re.search(r"<strong>(\d+)</strong><span>" + re.escape(label) + "</span>", page)
    assert match, f"no figure {label!r}"
    return int(match.group(1))


def test_figures_count_only_the_users_areas(users, login, person_a):
    start_episode(
        person_a, "close_contact", start_date=timezone.localdate(), by=users["township_a"]
    )
    own = login(users["township_a"]).get("/").content.decode()
    other = login(users["township_b"]).get("/").content.decode()
    county = login(users["county"]).get("/").content.decode()
    assert figure(own, "Under control") == 1
    assert figure(county, "Under control") == 1
    assert figure(other, "Under control") == 0


def test_roles_without_those_modules_see_no_figures(users, login):
    response = login(users["lab"]).get("/")
    page = response.content.decode()
    assert (
        response.status_code == 200 and 'href="/testing/"' in page
    )  # the home page, with its menu
    assert 'data-testid="today-figures"' not in page
