"""One search box, as people search: exact ID number or phone through the blind index, a
name or part of it, full pinyin or initials, the last six of an ID with the name; always
within the user's areas."""

import pytest

from fangkong.core.errors import ValidationFailed
from fangkong.core.models import AuditLog
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
    assert names(search_persons(county, "三")) == ["张三", "张三丰"]  # part of a name
    assert names(search_persons(county, "三丰")) == ["张三丰"]


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


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("zhangsan", ["张三", "张三丰"]),
        ("zhang san", ["张三", "张三丰"]),
        ("Zhangsanfeng", ["张三丰"]),
        ("zhangs", ["张三", "张三丰"]),  # still typing
        ("lisi", ["李四"]),
        ("zhangsi", []),
        ("zhao", []),
    ],
)
def test_full_pinyin(users, people, q, found):
    assert names(search_persons(users["county"], q)) == found


def test_a_name_with_the_last_six_of_the_id(users, people):
    county = users["county"]
    assert classify_query("张三 130014")[0] == "id_tail"
    assert names(search_persons(county, "张三 130014")) == ["张三"]
    assert names(search_persons(county, "130014 张三")) == ["张三"]
    assert names(search_persons(county, "张三丰 130014")) == []  # the tail is another's
    assert names(search_persons(county, "李四 130014")) == []
    # within the user's own areas only
    assert names(search_persons(users["township_b"], "张三 130014")) == []
    assert names(search_persons(users["township_b"], "张三丰 010071")) == ["张三丰"]


def test_six_digits_without_a_name_are_refused_with_a_reason(users, people, login):
    with pytest.raises(ValidationFailed) as err:
        search_persons(users["county"], "130014")
    assert err.value.fields == {"q": [err.value.message]} or "name" in str(err.value.message)
    client = login(users["county"])
    page = client.get("/people/persons/", {"q": "130014"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Six digits alone are not searched" in html and "张三" not in html.split("</form>")[-1]
    api = client.get("/api/v1/persons", {"q": "130014"})
    assert api.status_code in (400, 422) and "Six digits" in api.content.decode()
    ok = client.get("/people/persons/", {"q": "张三 130014"}).content.decode()
    assert "Six digits" not in ok and "张三" in ok


def test_id_tail_searches_are_audited_and_limited(users, people, login, settings):
    settings.FANGKONG_RATE_LIMITS = {
        **settings.FANGKONG_RATE_LIMITS,
        "person.search.id_tail": (2, 600),
    }
    client = login(users["county"])
    for _ in range(2):
        assert client.get("/people/persons/", {"q": "张三 130014"}).status_code == 200
    logged = AuditLog.objects.filter(detail__contains="last 6 of the ID number")
    assert logged.count() == 2 and "130014" not in logged.first().detail
    assert client.get("/people/persons/", {"q": "张三 130014"}).status_code == 429
    assert client.get("/people/persons/", {"q": "张三"}).status_code == 200  # names still work


def test_the_box_says_what_it_accepts(users, login):
    html = login(users["county"]).get("/people/persons/").content.decode()
    assert "last 6 of the ID" in html and "pinyin" in html
