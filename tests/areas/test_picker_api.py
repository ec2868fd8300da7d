"""The area picker's endpoints: one level of the tree at a time and a search by name or
pinyin, both limited to the user's own areas; a node outside them answers 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.areas.models import Area
from tests.factories import add_area

PICKER = "/api/v1/areas/picker"
SEARCH = "/api/v1/areas/picker/search"


@pytest.fixture
def groups(county, grid):
    """四组 under both townships' villages: the same name, told apart by the path."""
    return {
        "a": add_area(county.village_a, "500242002001004", "四组", "group"),
        "b": add_area(county.village_b, "500242101001004", "四组", "group"),
    }


def names(items):
    return [i["name"] for i in items]


def test_the_first_level_is_the_users_own_areas(users, county, login):
    resp = login(users["township_a"]).get(PICKER)
    assert resp.status_code == 200
    [root] = resp.json()
    assert (root["id"], root["name"], root["path"]) == (county.town_a.pk, "钟多街道", "钟多街道")
    assert root["has_children"] is True

    # a village cadre's tree starts at the village, not at the county
    [village] = login(users["village_a"]).get(PICKER).json()
    assert village["name"] == "桃花社区"
    assert village["path"] == "钟多街道 › 桃花社区"

    county_roots = login(users["county"]).get(PICKER).json()
    assert names(county_roots) == ["酉阳土家族苗族自治县"]


def test_a_node_expands_to_its_children_with_their_paths(users, county, grid, login):
    client = login(users["township_a"])
    [village] = client.get(PICKER, {"parent": county.town_a.pk}).json()
    assert village["name"] == "桃花社区"
    assert village["has_children"] is True
    [estate] = client.get(PICKER, {"parent": village["id"]}).json()
    assert estate["path"] == "钟多街道 › 桃花社区 › 桃源小区"
    [building] = client.get(PICKER, {"parent": estate["id"]}).json()
    assert building["name"] == "3栋"
    assert building["has_children"] is False


def test_max_depth_stops_the_tree_at_the_level_a_field_takes(users, county, grid, login):
    client = login(users["township_a"])
    [village] = client.get(PICKER, {"parent": county.town_a.pk, "max_depth": 3}).json()
    assert village["name"] == "桃花社区"
    assert village["has_children"] is False
    assert client.get(PICKER, {"parent": village["id"], "max_depth": 3}).json() == []


def test_a_node_outside_the_users_areas_answers_404(users, county, grid, login):
    client = login(users["township_a"])
    for outside in (county.town_b, grid.group_b, county.county):
        resp = client.get(PICKER, {"parent": outside.pk})
        assert resp.status_code == 404, outside
        assert resp.json()["error"]["fields"] == {"parent": ["No such area within your areas."]}
    assert client.get(PICKER, {"parent": 999_999}).status_code == 404
    # the same request inside the user's areas is answered
    assert client.get(PICKER, {"parent": county.town_a.pk}).status_code == 200


def test_anonymous_callers_are_refused(county):
    from django.test import Client

    assert Client().get(PICKER).status_code == 401
    assert Client().get(SEARCH, {"q": "四组"}).status_code == 401


def test_search_by_name_shows_the_path_and_stays_in_the_users_areas(users, county, groups, login):
    resp = login(users["township_a"]).get(SEARCH, {"q": "四组"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 1
    [found] = body["items"]
    assert found["id"] == groups["a"].pk
    assert found["path"] == "钟多街道 › 桃花社区 › 四组"  # not the one in 龙潭镇

    both = login(users["county"]).get(SEARCH, {"q": "四组"}).json()
    assert [i["path"] for i in both["items"]] == [
        "钟多街道 › 桃花社区 › 四组",
        "龙潭镇 › 龙潭村 › 四组",
    ]


def test_search_by_part_of_a_name(users, county, login):
    [found] = login(users["county"]).get(SEARCH, {"q": "桃花"}).json()["items"]
    assert found["name"] == "桃花社区"


@pytest.mark.parametrize("typed", ["thsq", "THSQ", "th", "taohuashequ", "taohua", "Tao Hua"])
def test_search_by_pinyin_initials_or_full_pinyin(users, county, login, typed):
    items = login(users["township_a"]).get(SEARCH, {"q": typed}).json()["items"]
    assert names(items) == ["桃花社区"], typed


def test_search_by_pinyin_stays_in_the_users_areas(users, county, login):
    # 龙潭村 (ltc) is in township B
    assert login(users["township_a"]).get(SEARCH, {"q": "ltc"}).json()["items"] == []
    assert names(login(users["township_b"]).get(SEARCH, {"q": "ltc"}).json()["items"]) == ["龙潭村"]


def test_several_words_narrow_down_by_place(users, county, groups, login):
    client = login(users["county"])
    [found] = client.get(SEARCH, {"q": "龙潭村 四组"}).json()["items"]
    assert found["path"] == "龙潭镇 › 龙潭村 › 四组"
    [found] = client.get(SEARCH, {"q": "thsq sz"}).json()["items"]
    assert found["path"] == "钟多街道 › 桃花社区 › 四组"


def test_search_answers_the_count_and_the_first_fifty(users, county, login):
    parent = Area.objects.get(pk=county.village_b.pk)
    for i in range(60):
        add_area(parent, f"5002421010019{i:02d}", "四组", "group")
        parent = Area.objects.get(pk=parent.pk)
    body = login(users["county"]).get(SEARCH, {"q": "sz"}).json()
    assert body["count"] == 60
    assert len(body["items"]) == 50


def test_an_empty_search_finds_nothing_and_a_long_one_is_refused(users, county, login):
    client = login(users["county"])
    assert client.get(SEARCH, {"q": "  "}).json() == {"count": 0, "items": []}
    resp = client.get(SEARCH, {"q": "四" * 61})
    assert resp.status_code == 422
    assert "q" in resp.json()["error"]["fields"]


def test_a_renamed_area_is_found_by_its_new_pinyin(users, county, login):
    from fangkong.areas.services import update_area

    update_area(county.village_a, by=users["county"], name="梨园社区")
    client = login(users["county"])
    assert names(client.get(SEARCH, {"q": "lysq"}).json()["items"]) == ["梨园社区"]
    assert client.get(SEARCH, {"q": "thsq"}).json()["items"] == []


def test_expanding_a_node_takes_a_fixed_number_of_queries(users, county, grid, login):
    client = login(users["county"])
    client.get(PICKER, {"parent": county.village_a.pk})  # warm the session and user
    with CaptureQueriesContext(connection) as few:
        client.get(PICKER, {"parent": county.village_a.pk})
    parent = Area.objects.get(pk=county.village_a.pk)
    for i in range(10):
        add_area(parent, f"50024200100190{i}", f"新{i}组", "group")
        parent = Area.objects.get(pk=parent.pk)
    with CaptureQueriesContext(connection) as many:
        client.get(PICKER, {"parent": county.village_a.pk})
    assert len(many.captured_queries) == len(few.captured_queries)
