"""The person list sorted by name reads the county in name order (speed at 850,000 persons):
the same persons as any other order, never one outside the user's areas, and a person who
left (inactive) is not listed."""

import re

import pytest

from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def names_on(client, url: str) -> list[str]:
    resp = client.get(url)
    assert resp.status_code == 200
    return re.findall(r'<a href="/people/persons/\d+/">([^<]+)</a>', resp.content.decode())


@pytest.fixture
def people(county):
    PersonFactory(area=county.village_a, name="王五")
    PersonFactory(area=county.village_b, name="李四")
    PersonFactory(area=county.village_a, name="赵六", status=PersonStatus.MERGED)
    PersonFactory(area=county.town_a, name="陈七")


def test_the_county_sorted_by_name_sees_every_active_person_in_order(users, login, people):
    client = login(users["county"])
    by_name = names_on(client, "/people/persons/?sort=name")
    in_order = Person.objects.filter(status=PersonStatus.ACTIVE).order_by("name")  # its collation
    assert by_name == list(in_order.values_list("name", flat=True))
    assert set(by_name) == {"王五", "李四", "陈七"}
    assert names_on(client, "/people/persons/?sort=-name") == by_name[::-1]


def test_a_township_sorted_by_name_sees_only_its_own_people(users, login, people):
    client = login(users["township_a"])
    assert set(names_on(client, "/people/persons/?sort=name")) == {"王五", "陈七"}
    client = login(users["township_b"])
    assert names_on(client, "/people/persons/?sort=name") == ["李四"]


def test_a_filter_with_the_name_order_still_filters(users, login, people, county):
    client = login(users["county"])
    url = f"/people/persons/?sort=name&area={county.town_b.pk}"
    assert names_on(client, url) == ["李四"]
