"""The people API: persons, households, categories; errors in the project's format."""

import pytest

from fangkong.areas.services.responsibilities import assign_responsibility
from fangkong.core.models import AuditLog
from fangkong.people.models import KeyCategory, Person

ZHANG = "513101198201130014"


def post(client, url, data, method="post"):
    return getattr(client, method)(url, data, content_type="application/json")


@pytest.fixture
def api(users, login):
    return login(users["township_a"])


def test_create_read_update_a_person(api, users, county):
    h = post(
        api,
        "/api/v1/households",
        {"area_id": county.village_a.pk, "address": "桃花路1号", "floor": 2},
    )
    assert h.status_code == 201
    hid = h.json()["id"]
    body = {
        "area_id": county.village_a.pk,
        "name": "张三",
        "id_number": ZHANG,
        "phone": "13800138000",
        "household_id": hid,
        "categories": ["kc01"],
    }
    resp = post(api, "/api/v1/persons", body)
    assert resp.status_code == 201 and resp.json()["created"]
    pid = resp.json()["person"]["id"]
    again = post(api, "/api/v1/persons", {**body, "name": "张叁"})
    assert again.status_code == 200 and again.json()["person"]["id"] == pid
    assign_responsibility(
        by=users["county"],
        area=county.village_a,
        role="village_cadre",
        person_name="刘书记",
        phone="13312345678",
    )
    detail = api.get(f"/api/v1/persons/{pid}").json()
    assert detail["household"]["address"] == "桃花路1号"
    assert [c["code"] for c in detail["categories"]] == ["kc01"]
    assert detail["chain"][0]["name"] == "刘书记" and detail["chain"][0]["phone"] == "133****5678"
    full = api.get(f"/api/v1/persons/{pid}?full_chain=true").json()
    assert full["chain"][0]["phone"] == "13312345678"
    assert AuditLog.objects.filter(action="reveal", detail="responsibility chain").exists()
    updated = post(
        api,
        f"/api/v1/persons/{pid}",
        {**body, "categories": ["kc03"], "phone": "", "version": detail["version"]},
        method="put",
    )
    assert updated.status_code == 200 and updated.json()["phone_masked"] == ""
    assert list(Person.objects.get(pk=pid).categories.values_list("code", flat=True)) == ["kc03"]
    members = api.get(f"/api/v1/households/{hid}").json()["members"]
    assert [m["id"] for m in members] == [pid]
    assert api.get("/api/v1/persons", {"category": "kc03"}).json()["count"] == 1
    assert api.get("/api/v1/persons", {"household": hid}).json()["count"] == 1


def test_errors_name_the_field(api, county):
    resp = post(
        api,
        "/api/v1/persons",
        {"area_id": county.village_a.pk, "name": "张三", "id_number": "513101198201130015"},
    )
    assert resp.status_code == 422
    assert "check character" in resp.json()["error"]["fields"]["id_number"][0]
    resp = post(api, "/api/v1/persons", {"area_id": county.village_b.pk, "name": "张三"})
    assert resp.status_code == 404 and "area_id" in resp.json()["error"]["fields"]
    resp = post(
        api,
        "/api/v1/persons",
        {"area_id": county.village_a.pk, "name": "张三", "categories": ["nope"]},
    )
    assert resp.status_code == 422 and "categories" in resp.json()["error"]["fields"]
    resp = post(
        api, "/api/v1/persons", {"area_id": county.village_a.pk, "name": "张三", "blood": "A"}
    )
    assert resp.status_code == 422 and "blood" in resp.json()["error"]["fields"]
    resp = post(api, "/api/v1/households", {"area_id": county.village_b.pk, "address": "x"})
    assert resp.status_code == 404


def test_categories_api(users, login, county):
    kc01 = KeyCategory.objects.get(code="kc01")
    p = Person.objects.create(area=county.village_a, name="张三")
    p.categories.add(kc01)
    client = login(users["township_a"])
    cats = client.get("/api/v1/categories").json()
    assert len(cats) == 12 and cats[0]["persons"] == 1
    counts = client.get("/api/v1/categories/counts").json()
    assert counts == [
        {
            "township_id": county.town_a.pk,
            "township_code": "500242002",
            "township_name": "钟多街道",
            "total": 1,
            "by_category": {"kc01": 1},
        }
    ]
    assert post(client, "/api/v1/categories", {"code": "kc13", "name": "x"}).status_code == 403
    county_client = login(users["county"])
    made = post(county_client, "/api/v1/categories", {"code": "kc13", "name": "学校师生"})
    assert made.status_code == 201
    changed = post(
        county_client,
        f"/api/v1/categories/{made.json()['id']}",
        {"code": "kc13", "name": "学校师生", "active": False},
        method="put",
    )
    assert changed.json()["active"] is False


def test_openapi_documents_the_people_endpoints(users, login):
    schema = login(users["county"]).get("/api/v1/openapi.json").json()
    for path in [
        "/api/v1/persons",
        "/api/v1/persons/{person_id}",
        "/api/v1/households",
        "/api/v1/categories",
        "/api/v1/categories/counts",
        "/api/v1/duplicates",
        "/api/v1/merge",
        "/api/v1/imports",
        "/api/v1/imports/{job_id}",
    ]:
        assert path in schema["paths"], path
        for op in schema["paths"][path].values():
            assert op.get("summary"), (path, op)


def test_the_list_page_and_the_api_filter_through_one_filter_set(api, county):
    """The API's /persons filters are the person list page's: same parameters, same rows,
    and a value the page's form refuses is refused by the API naming the parameter."""
    kc03 = KeyCategory.objects.get(code="kc03")
    listed = Person.objects.create(area=county.village_a, name="张三", sex="M")
    listed.categories.add(kc03)
    Person.objects.create(area=county.village_a, name="王五", sex="F")
    for query in ({"category": "kc03"}, {"sex": "F"}, {"area": county.village_a.pk}):
        page = api.get("/people/persons/", query)
        assert page.status_code == 200
        on_page = sorted(p.name for p, _v in page.context["rows"])
        in_api = sorted(p["name"] for p in api.get("/api/v1/persons", query).json()["items"])
        assert on_page == in_api and on_page, query
    refused = api.get("/api/v1/persons", {"category": "no-such-list"})
    assert refused.status_code == 422
    assert set(refused.json()["error"]["fields"]) == {"category"}
    page = api.get("/people/persons/", {"category": "no-such-list"})
    assert page.status_code == 200 and 'class="error"' in page.content.decode()
    households = api.get("/api/v1/households", {"area": county.village_b.pk})
    assert households.status_code == 422 and "area" in households.json()["error"]["fields"]


def test_a_full_width_id_number_through_the_api(api, county):
    resp = post(api, "/api/v1/persons", {"area_id": county.village_a.pk, "name": "张三",
                                         "id_number": "５１３１０１１９８２０１１３００１４"})  # fmt: skip
    assert resp.status_code == 201, resp.content
    assert resp.json()["person"]["birth_date"] == "1982-01-13"
    assert Person.objects.get().id_number == ZHANG


def person_put(client, pid, body, **headers):
    return client.put(f"/api/v1/persons/{pid}", body, content_type="application/json", **headers)


@pytest.fixture
def zhang(api, county):
    resp = post(api, "/api/v1/persons", {"area_id": county.village_a.pk, "name": "张三",
                                         "id_number": ZHANG})  # fmt: skip
    return resp.json()["person"]


def test_a_change_on_a_stale_version_answers_409_with_the_current_one(api, zhang, county):
    body = {"area_id": county.village_a.pk, "name": "张三", "id_number": ZHANG}
    got = api.get(f"/api/v1/persons/{zhang['id']}")
    assert got.json()["version"] == 1 and got["ETag"] == '"1"'
    first = person_put(api, zhang["id"], {**body, "notes": "first", "version": 1})
    assert first.status_code == 200 and first.json()["version"] == 2 and first["ETag"] == '"2"'
    stale = person_put(api, zhang["id"], {**body, "notes": "second", "version": 1})
    assert stale.status_code == 409 and stale["ETag"] == '"2"'
    error = stale.json()["error"]
    assert error["code"] == "stale_version" and "version" in error["fields"]
    assert "now version 2" in error["message"]
    person = Person.objects.get(pk=zhang["id"])
    assert (person.notes, person.version) == ("first", 2)


def test_if_match_carries_the_version_too(api, zhang, county):
    body = {"area_id": county.village_a.pk, "name": "张三", "id_number": ZHANG}
    ok = person_put(api, zhang["id"], {**body, "notes": "a"}, HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200 and ok["ETag"] == '"2"'
    stale = person_put(api, zhang["id"], {**body, "notes": "b"}, HTTP_IF_MATCH='W/"1"')
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    assert Person.objects.get(pk=zhang["id"]).notes == "a"


@pytest.mark.parametrize("extra,headers", [({}, {}), ({}, {"HTTP_IF_MATCH": "abc"}),
                                           ({"version": 1}, {"HTTP_IF_MATCH": '"2"'})])  # fmt: skip
def test_a_change_without_a_clear_version_is_refused_naming_version(
    api, zhang, county, extra, headers
):
    body = {"area_id": county.village_a.pk, "name": "张叁", "id_number": ZHANG, **extra}
    resp = person_put(api, zhang["id"], body, **headers)
    assert resp.status_code == 422 and "version" in resp.json()["error"]["fields"]
    assert Person.objects.get(pk=zhang["id"]).name == "张三"


@pytest.mark.django_db(transaction=True)
def test_two_changes_at_once_on_one_version_one_wins_the_other_gets_409(users, county, login):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database cannot hold two writers at once")
    person = post(login(users["township_a"]), "/api/v1/persons",
                  {"area_id": county.village_a.pk, "name": "张三", "id_number": ZHANG})  # fmt: skip
    pid = person.json()["person"]["id"]
    clients = [login(users["township_a"]), login(users["village_a"])]
    barrier, answers = threading.Barrier(2), []

    def edit(client, notes):
        try:
            barrier.wait()
            body = {"area_id": county.village_a.pk, "name": "张三", "id_number": ZHANG,
                    "notes": notes, "version": 1}  # fmt: skip
            resp = person_put(client, pid, body)
            answers.append((resp.status_code, notes, resp.json()))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=edit, args=(c, n)) for c, n in zip(clients, "AB", strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(code for code, _n, _b in answers) == [200, 409], answers
    [winner] = [n for code, n, _b in answers if code == 200]
    [loser] = [b for code, _n, b in answers if code == 409]
    assert loser["error"]["code"] == "stale_version"
    saved = Person.objects.get(pk=pid)
    assert (saved.notes, saved.version) == (winner, 2)
