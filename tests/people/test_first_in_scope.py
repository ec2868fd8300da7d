"""A township's lists read by key start at its areas' first row (core.scoping
``from_first_in_scope``: PostgreSQL walked the key from the county's first person for a
township registered late): the same rows in the same order as the plain scoped list, never
one of another township, nothing for an area without rows."""

import pytest

from fangkong.core.scoping import from_first_in_scope
from fangkong.people import selectors
from fangkong.people.models import Household, Person
from tests.factories import HouseholdFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(county):
    """Township B's people registered first, then A's interleaved with B's."""
    for k in range(3):
        PersonFactory(area=county.village_b, name=f"乙{k}")
    for k in range(4):
        PersonFactory(area=county.village_a if k % 2 else county.town_a, name=f"甲{k}")
        PersonFactory(area=county.village_b, name=f"丙{k}")
        HouseholdFactory(area=county.village_b, address=f"乙路{k}号")
        HouseholdFactory(area=county.village_a, address=f"甲路{k}号")


def ids(items) -> list[int]:
    return [x["id"] for x in items]


def test_a_townships_api_lists_are_its_own_rows_in_key_order(users, login, registered, county):
    for who, town in (("township_a", county.town_a), ("township_b", county.town_b)):
        client = login(users[who])
        got = client.get("/api/v1/persons", {"page_size": 100}).json()
        plain = selectors.persons_for(users[who]).order_by("pk")
        assert ids(got["items"]) == [p.pk for p in plain] and got["count"] == plain.count()
        assert all(
            p.area.path.startswith(town.path)
            for p in Person.objects.filter(pk__in=ids(got["items"]))
        )
        homes = client.get("/api/v1/households", {"page_size": 100}).json()
        assert ids(homes["items"]) == [
            h.pk for h in selectors.households_for(users[who]).order_by("pk")
        ]
    # the second page continues where the first stopped
    client = login(users["township_a"])
    first = ids(client.get("/api/v1/persons", {"page_size": 2}).json()["items"])
    second = ids(client.get("/api/v1/persons", {"page_size": 2, "page": 2}).json()["items"])
    assert first + second == [
        p.pk for p in selectors.persons_for(users["township_a"]).order_by("pk")
    ]


def test_the_bound_keeps_every_row_and_a_township_without_rows_gets_none(county, registered):
    town_a = UserFactory(roles=["township_officer"], areas=[county.town_a])
    qs = Person.objects.visible_to(town_a).order_by("pk")
    bounded = from_first_in_scope(qs, town_a)
    assert list(bounded) == list(qs) and ">=" in str(bounded.query)
    first_a = min(p.pk for p in qs)
    assert Person.objects.filter(pk__lt=first_a).exists()  # B's registered before: skipped
    Household.objects.filter(area__path__startswith=county.town_a.path).delete()
    none = from_first_in_scope(Household.objects.visible_to(town_a), town_a)
    assert list(none) == []
    county_user = UserFactory(roles=["county_command"], areas=[county.county])
    whole = Person.objects.visible_to(county_user)
    assert from_first_in_scope(whole, county_user) is whole  # a county starts at the start


def test_a_townships_household_page_by_key_is_its_own_in_order(users, login, registered):
    """Any list read by key (the household page's default) starts at the areas' first row
    through the generic list view: the same households, in order, none of another township."""
    import re

    for who in ("township_a", "township_b"):
        page = login(users[who]).get("/people/households/").content.decode()
        listed = [int(i) for i in re.findall(r'href="/people/households/(\d+)/"', page)]
        assert listed == [h.pk for h in selectors.households_for(users[who]).order_by("pk")]
        assert listed
