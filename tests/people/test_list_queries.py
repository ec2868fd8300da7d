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


def result_count(client, url: str) -> str:
    import re

    html = client.get(url).content.decode()
    return re.search(r'data-testid="result-count">([^<]*)<', html).group(1).strip()


def test_the_person_list_total_is_not_recounted_per_view_yet_follows_each_registration(
    users, login, county
):
    client = login(users["township_a"])
    PersonFactory(area=county.village_a)
    PersonFactory(area=county.village_b)  # another township: not in this list's total
    first = result_count(client, "/people/persons/")
    assert first.startswith("1")
    with CaptureQueriesContext(connection) as ctx:
        assert result_count(client, "/people/persons/") == first
    counted = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [q for q in counted if "people_person" in q], counted
    PersonFactory(area=county.village_a)
    assert result_count(client, "/people/persons/").startswith("2")
    # a filter is counted as it is
    assert result_count(client, "/people/persons/?q=nobody-by-this-name").startswith("0")


def test_a_search_counts_its_matches_up_to_a_bound_and_says_more_than_past_it(
    users, login, county, settings, monkeypatch
):
    from fangkong.people.views.persons import PersonListView

    settings.FANGKONG_SEARCH_COUNT_BOUND = 3
    for _ in range(5):
        PersonFactory(area=county.village_a, name="王小明")
    PersonFactory(area=county.village_a, name="王二")
    PersonFactory(area=county.village_a, name="李四")
    client = login(users["township_a"])
    # matches that fit on the first page are counted by the page itself, past the bound
    assert result_count(client, "/people/persons/?q=王").startswith("6 records")
    monkeypatch.setattr(PersonListView, "page_size", 2)
    assert result_count(client, "/people/persons/?q=王").startswith("More than 3 records")
    assert "王小明" in client.get("/people/persons/?q=王").content.decode()
    assert result_count(client, "/people/persons/?q=王二").startswith("1 record")  # exact below
    assert result_count(client, "/people/persons/?q=王&page=2").startswith("More than 3")
    # the API says its count is a bound; every match can still be read
    found = client.get("/api/v1/persons", {"q": "王"}).json()
    assert (found["count"], found["count_capped"], len(found["items"])) == (3, True, 6)
    one = client.get("/api/v1/persons", {"q": "李四"}).json()
    assert (one["count"], one["count_capped"]) == (1, False)


def test_the_api_person_list_total_is_the_page_total_not_a_count_per_call(users, login, county):
    client = login(users["township_a"])
    PersonFactory(area=county.village_a)
    PersonFactory(area=county.village_b)  # another township
    assert client.get("/api/v1/persons").json()["count"] == 1
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/persons").json()["count"] == 1
    counted = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [q for q in counted if "people_person" in q], counted
    PersonFactory(area=county.village_a)
    assert client.get("/api/v1/persons").json()["count"] == 2
    # a filter is counted as it is
    assert client.get("/api/v1/persons", {"q": "nobody-by-this-name"}).json()["count"] == 0


def test_the_household_list_total_is_kept_not_counted_per_view_and_follows_each_household(
    users, login, county
):
    client = login(users["township_a"])
    HouseholdFactory(area=county.village_a)
    HouseholdFactory(area=county.village_b)  # another township
    assert result_count(client, "/people/households/").startswith("1")
    with CaptureQueriesContext(connection) as ctx:
        assert result_count(client, "/people/households/").startswith("1")
        assert client.get("/api/v1/households").json()["count"] == 1
    counted = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [q for q in counted if "people_household" in q], counted
    HouseholdFactory(area=county.village_a)
    assert result_count(client, "/people/households/").startswith("2")
    assert client.get("/api/v1/households").json()["count"] == 2
    assert client.get("/api/v1/households", {"q": "no such street"}).json()["count"] == 0


def test_a_search_whose_matches_fit_on_a_page_is_not_counted_apart(users, login, county):
    """Most searches find a few people: the first page, read one row past its size, gives
    their number, without a COUNT of its own; a second page is counted as before."""
    PersonFactory(area=county.village_a, name="王二")
    client = login(users["township_a"])
    with CaptureQueriesContext(connection) as ctx:
        assert result_count(client, "/people/persons/?q=王二").startswith("1 record")
    counted = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [q for q in counted if "people_person" in q], counted
    page = client.get("/people/persons/?q=王二").content.decode()
    assert page.count('href="/people/persons/') >= 1 and "王二" in page
