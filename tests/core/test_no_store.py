"""Pages, API answers and files carrying personal data say ``Cache-Control: no-store`` (and
``Pragma: no-cache``), so neither a shared computer's browser nor a proxy keeps them; static
files keep their caching."""

from tests.factories import PersonFactory


def _no_store(resp):
    assert "no-store" in resp["Cache-Control"], resp.get("Cache-Control")
    assert resp["Pragma"] == "no-cache"


def test_a_page_an_api_answer_and_an_export_are_not_stored(users, county, login):
    person = PersonFactory(area=county.village_a, name="张三")
    client = login(users["township_a"])
    page = client.get(f"/people/persons/{person.pk}/")
    assert page.status_code == 200 and "张三" in page.content.decode()
    _no_store(page)
    api = client.get(f"/api/v1/persons/{person.pk}")
    assert api.status_code == 200 and api.json()["name"] == "张三"
    _no_store(api)
    export = client.get("/people/persons/?export=xlsx")
    assert export.status_code == 200 and export["Content-Disposition"].startswith("attachment")
    _no_store(export)


def test_answers_to_anonymous_requests_are_not_stored_either(client):
    login_page = client.get("/login/")
    assert login_page.status_code == 200
    _no_store(login_page)
    refused = client.get("/api/v1/persons")
    assert refused.status_code == 401
    _no_store(refused)


def test_static_files_keep_their_caching(client):
    resp = client.get("/static/vendor/htmx.min.js")
    assert resp.status_code == 200
    assert "no-store" not in resp.get("Cache-Control", "")
    assert "Pragma" not in resp
