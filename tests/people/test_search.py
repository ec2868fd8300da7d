"""One search box: exact ID number or phone through the blind index, name prefix, or pinyin
initials; always within the user's areas."""

import pytest

from fangkong.people.models import Person
from fangkong.people.selectors import classify_query, search_persons
from tests.factories import PersonFactory


@pytest.fixture
def people(county):
    return {
        "zhang": PersonFactory(
            area=county.village_a, name="张三", id_number="513101198201130014", phone="13800138000"
        ),
        "zhao": PersonFactory(area=county.village_a, name="李四"),
        "zhang_b": PersonFactory(
            area=county.village_b, name="张三丰", id_number="360426199101010071"
        ),
    }


def names(qs):
    return sorted(p.name for p in qs)


@pytest.mark.parametrize(
    ("q", "kind"),
    [
        ("513101198201130014", "id"),
        ("11010519491231002x", "id"),
        ("138 0013 8000", "phone"),
        ("+8613800138000", "phone"),
        ("zs", "initials"),
        ("ZS", "initials"),
        ("张", "name"),
    ],
)
def test_the_box_tells_what_it_was_given(q, kind):
    assert classify_query(q)[0] == kind


def test_exact_id_number_and_phone(users, people):
    county = users["county"]
    assert names(search_persons(county, "513101198201130014")) == ["张三"]
    assert names(search_persons(county, "51310119820113001")) == []  # no partial match
    assert names(search_persons(county, "138-0013-8000")) == ["张三"]


def test_name_prefix_and_pinyin_initials(users, people):
    county = users["county"]
    assert names(search_persons(county, "张")) == ["张三", "张三丰"]
    assert names(search_persons(county, "zs")) == ["张三", "张三丰"]
    assert names(search_persons(county, "zsf")) == ["张三丰"]
    assert names(search_persons(county, "三")) == []  # a prefix, not a substring


def test_results_stay_within_the_users_areas(users, people):
    town_a = users["township_a"]
    assert names(search_persons(town_a, "zs")) == ["张三"]
    assert names(search_persons(town_a, "360426199101010071")) == []
    assert names(search_persons(users["township_b"], "513101198201130014")) == []


def test_merged_records_are_not_found(users, people):
    Person.objects.filter(pk=people["zhao"].pk).update(status="merged")
    assert names(search_persons(users["county"], "zs")) == ["张三", "张三丰"]
    assert names(search_persons(users["county"], "李")) == []


def test_the_results_page_and_the_api(users, people, login):
    client = login(users["township_a"])
    page = client.get("/people/persons/?q=zs").content.decode()
    assert "张三" in page and "张三丰" not in page
    body = client.get("/api/v1/persons", {"q": "513101198201130014"}).json()
    assert [p["name"] for p in body["items"]] == ["张三"]
    assert body["items"][0]["id_number_masked"] == "513101************"
    assert client.get("/api/v1/persons", {"q": "360426199101010071"}).json()["count"] == 0
