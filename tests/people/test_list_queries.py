"""List pages cost a fixed number of queries, however many rows they show (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("url", ["/people/persons/", "/people/households/"])
def test_list_page_queries_do_not_grow_with_rows(users, login, county, url):
    client = login(users["township_a"])
    for _ in range(3):
        hh = HouseholdFactory(area=county.village_a)
        PersonFactory(area=county.village_a, household=hh)
    few = queries_for(client, url)
    for _ in range(30):
        hh = HouseholdFactory(area=county.village_a)
        PersonFactory(area=county.village_a, household=hh)
    many = queries_for(client, url)
    assert many == few
