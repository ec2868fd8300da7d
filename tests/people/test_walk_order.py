"""A whole county's list sorted by an indexed column (persons by name, households by
address) reads the county in that order (speed at 850,000 persons, core.scoping
``scoped_for_walk``): the same rows as any other order, never one outside the user's areas
(another county's included), a person who left (inactive) not listed, the pager's total
the same."""

import re

import pytest

from fangkong.people.choices import PersonStatus
from fangkong.people.models import Household, Person
from tests.factories import HouseholdFactory, PersonFactory, UserFactory, add_area

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


def test_with_no_order_chosen_the_list_is_by_name_and_read_the_same_way(
    users, login, people, county
):
    """The default order is the name, walked for a county or a township like ``sort=name``
    (by registration order PostgreSQL read a late township from the county's first person):
    the same names, in the same order, with ties kept in registration order."""
    twin = PersonFactory(area=county.village_a, name="王五")  # same name, registered later
    for who in ("county", "township_a", "township_b"):
        client = login(users[who])
        assert names_on(client, "/people/persons/") == names_on(
            client, "/people/persons/?sort=name"
        )
    client = login(users["township_a"])
    page = client.get("/people/persons/").content.decode()
    ids = [int(i) for i in re.findall(r'href="/people/persons/(\d+)/"', page)]
    wang = [i for i in ids if Person.objects.get(pk=i).name == "王五"]
    assert wang == sorted(wang) and twin.pk == wang[-1]


def test_a_filter_with_the_name_order_still_filters(users, login, people, county):
    client = login(users["county"])
    url = f"/people/persons/?sort=name&area={county.town_b.pk}"
    assert names_on(client, url) == ["李四"]


def addresses_on(client, url: str) -> list[str]:
    resp = client.get(url)
    assert resp.status_code == 200
    return re.findall(r'<a href="/people/households/\d+/">([^<]+)</a>', resp.content.decode())


@pytest.fixture
def homes(county):
    other = add_area(None, "500241", "秀山土家族苗族自治县", "county")
    HouseholdFactory(area=county.village_a, address="B 幸福路2号")
    HouseholdFactory(area=county.village_b, address="A 龙潭街1号")
    HouseholdFactory(area=county.town_a, address="C 桃花路3号")
    HouseholdFactory(area=add_area(other, "500241101", "清溪场镇", "town"), address="A0 别县")
    return other


def test_the_county_sorted_by_address_sees_its_households_in_order(users, login, homes):
    client = login(users["county"])
    by_address = addresses_on(client, "/people/households/?sort=address")
    assert by_address == ["A 龙潭街1号", "B 幸福路2号", "C 桃花路3号"]  # never the other county's
    assert addresses_on(client, "/people/households/?sort=-address") == by_address[::-1]
    page = client.get("/people/households/?sort=address").content.decode()
    total = re.search(r'data-testid="result-count">([^<]+)<', page)
    assert total and total.group(1).strip() == "3 records"  # the county's three only
    assert Household.objects.count() == 4


def test_a_township_sorted_by_address_sees_only_its_own(users, login, homes):
    client = login(users["township_b"])
    assert addresses_on(client, "/people/households/?sort=address") == ["A 龙潭街1号"]


def test_a_user_of_the_other_county_sees_only_that_county(login, homes):
    user = UserFactory(roles=["county_command"], areas=[homes])
    client = login(user)
    assert addresses_on(client, "/people/households/?sort=address") == ["A0 别县"]
    assert names_on(client, "/people/persons/?sort=name") == []
