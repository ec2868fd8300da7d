"""The API shell: token and session auth, one error format for every refusal, strict input,
CSRF for browser sessions, page pagination, tokens created and revoked from the UI."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.core.models import ApiToken, AuditLog
from fangkong.people.models import Person
from tests.core.conftest import error_of
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_token(users, token_for):
    return token_for(users["township_a"])


def person_payload(county, **overrides):
    data = {"area_id": county.village_a.pk, "name": "赵六", "doc_type": "passport"}
    data.update(overrides)
    return data


# --- authentication --------------------------------------------------------------------------
def test_bearer_token_authenticates(users, api, officer_token):
    response = api.get("/api/v1/me", officer_token)
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "town_a"
    assert body["roles"] == ["township_officer"]
    assert [a["code"] for a in body["areas"]] == ["500242002"]


def test_x_api_token_header_authenticates(users, client, officer_token):
    response = client.get("/api/v1/me", headers={"X-API-Token": officer_token})
    assert response.status_code == 200


def test_browser_session_authenticates(users, login):
    assert login(users["township_a"]).get("/api/v1/me").json()["username"] == "town_a"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer fk_not-a-real-token"},
        {"Authorization": "Bearer something-else"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Token": "fk_nope"},
    ],
)
def test_missing_or_bad_token_is_401_in_the_error_format(client, db, headers):
    response = client.get("/api/v1/persons", headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_revoked_token_is_401(users, api, officer_token):
    from fangkong.core.services.tokens import revoke_token

    token = ApiToken.objects.get(user=users["township_a"])
    revoke_token(token.pk, by=users["township_a"])
    response = api.get("/api/v1/me", officer_token)
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_expired_token_is_401(users, api, officer_token):
    ApiToken.objects.filter(user=users["township_a"]).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert api.get("/api/v1/me", officer_token).status_code == 401


def test_token_use_is_recorded_coarsely(users, api, officer_token):
    api.get("/api/v1/me", officer_token)
    assert ApiToken.objects.get(user=users["township_a"]).last_used_at is not None


def test_token_of_a_user_without_the_role_is_403(users, api, token_for, person_a):
    token = token_for(users["lab"])
    for response in (
        api.get("/api/v1/persons", token),
        api.get(f"/api/v1/persons/{person_a.pk}", token),
    ):
        assert response.status_code == 403
        err = error_of(response)
        assert err["code"] == "permission_denied"
        assert err["message"]


def test_token_without_edit_role_cannot_create_and_nothing_is_written(
    users, api, token_for, county
):
    response = api.post("/api/v1/persons", token_for(users["sampler_a"]), person_payload(county))
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert not Person.objects.filter(name="赵六").exists()


def test_unknown_person_is_404_in_the_error_format(users, api, officer_token):
    response = api.get("/api/v1/persons/999999", officer_token)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_unknown_api_path_is_404(users, api, officer_token):
    assert api.get("/api/v1/nothing-here", officer_token).status_code == 404


def test_unknown_area_on_create_is_404_naming_the_field(users, api, officer_token, county):
    response = api.post("/api/v1/persons", officer_token, person_payload(county, area_id=999999))
    assert response.status_code == 404
    assert "area_id" in error_of(response)["fields"]


# --- bad input -------------------------------------------------------------------------------
def test_unknown_field_is_422_naming_the_field_and_writes_nothing(
    users, api, officer_token, county
):
    response = api.post("/api/v1/persons", officer_token, person_payload(county, colour="blue"))
    assert response.status_code == 422
    err = error_of(response)
    assert err["code"] == "validation_error"
    assert "colour" in err["fields"]
    assert err["fields"]["colour"] == ["Unknown field."]
    assert not Person.objects.filter(name="赵六").exists()


def test_too_long_string_is_422_naming_the_field(users, api, officer_token, county):
    response = api.post("/api/v1/persons", officer_token, person_payload(county, name="张" * 61))
    assert response.status_code == 422
    err = error_of(response)
    assert err["code"] == "validation_error"
    assert list(err["fields"]) == ["name"]
    assert not Person.objects.exists()


def test_missing_required_field_is_422_naming_it(users, api, officer_token, county):
    response = api.post("/api/v1/persons", officer_token, {"area_id": county.village_a.pk})
    err = error_of(response)
    assert response.status_code == 422
    assert err["fields"]["name"] == ["This field is required."]


def test_wrong_type_is_422_naming_the_field(users, api, officer_token, county):
    response = api.post("/api/v1/persons", officer_token, person_payload(county, area_id="abc"))
    assert response.status_code == 422
    assert "area_id" in error_of(response)["fields"]


def test_invalid_id_number_is_422_naming_the_field(users, api, officer_token, county):
    response = api.post(
        "/api/v1/persons",
        officer_token,
        person_payload(county, doc_type="resident_id", id_number="110105194912310021"),
    )
    assert response.status_code == 422
    assert "id_number" in error_of(response)["fields"]
    assert not Person.objects.exists()


@pytest.mark.parametrize("body", ['{"name": ', "not json at all", "[1, 2", '{"a": 1}}'])
def test_malformed_json_is_400_in_the_error_format(users, api, officer_token, body):
    response = api.post("/api/v1/persons", officer_token, raw=body)
    assert response.status_code == 400
    err = error_of(response)
    assert err["code"] == "bad_request"
    assert "JSON" in err["message"]
    assert not Person.objects.exists()


def test_json_that_is_not_an_object_is_refused(users, api, officer_token):
    response = api.post("/api/v1/persons", officer_token, raw="[1, 2]")
    assert response.status_code in (400, 422)
    assert error_of(response)["code"] in ("bad_request", "validation_error")


def test_too_long_search_is_422(users, api, officer_token):
    response = api.get("/api/v1/persons", officer_token, q="x" * 61)
    assert response.status_code == 422
    assert "q" in error_of(response)["fields"]


def test_bad_reveal_model_name_is_404_not_500(users, api, token_for, person_a):
    token = token_for(users["county"])
    for model in ("nope", "nope.nothing", "people.person.extra", ""):
        response = api.post(
            "/api/v1/reveal", token, {"model": model, "id": person_a.pk, "field": "id_number"}
        )
        assert response.status_code in (404, 422), (model, response.status_code)


# --- CSRF for browser sessions ---------------------------------------------------------------
def test_session_post_without_csrf_token_is_refused_and_writes_nothing(users, county):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["township_a"])
    response = client.post(
        "/api/v1/persons", json.dumps(person_payload(county)), content_type="application/json"
    )
    assert response.status_code == 403
    err = error_of(response)
    assert err["code"] == "csrf_failed"
    assert "CSRF" in err["message"]
    assert not Person.objects.exists()


def test_session_post_with_csrf_token_is_accepted(users, county):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["township_a"])
    client.get("/")
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/persons",
        json.dumps(person_payload(county)),
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 201, response.content


def test_token_post_needs_no_csrf_token(users, county, officer_token):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/persons",
        json.dumps(person_payload(county)),
        content_type="application/json",
        headers={"Authorization": f"Bearer {officer_token}"},
    )
    assert response.status_code == 201


def test_session_get_needs_no_csrf_token(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["township_a"])
    assert client.get("/api/v1/me").status_code == 200


# --- pagination ------------------------------------------------------------------------------
@pytest.fixture
def five_people(county):
    return [PersonFactory(area=county.village_a) for _ in range(5)]


def test_pagination_pages_and_counts(users, api, officer_token, five_people):
    first = api.get("/api/v1/persons", officer_token, page_size=2).json()
    second = api.get("/api/v1/persons", officer_token, page_size=2, page=2).json()
    third = api.get("/api/v1/persons", officer_token, page_size=2, page=3).json()
    beyond = api.get("/api/v1/persons", officer_token, page_size=2, page=4).json()
    assert [b["count"] for b in (first, second, third, beyond)] == [5, 5, 5, 5]
    ids = [p["id"] for b in (first, second, third) for p in b["items"]]
    assert ids == sorted(p.pk for p in five_people)
    assert beyond["items"] == []


def test_pagination_clamps_silly_values(users, api, officer_token, five_people):
    assert len(api.get("/api/v1/persons", officer_token, page_size=0).json()["items"]) == 1
    assert len(api.get("/api/v1/persons", officer_token, page=-3).json()["items"]) == 5
    assert len(api.get("/api/v1/persons", officer_token, page_size=10**6).json()["items"]) == 5


def test_pagination_with_non_numbers_is_422(users, api, officer_token):
    response = api.get("/api/v1/persons", officer_token, page="two")
    assert response.status_code == 422
    assert "page" in error_of(response)["fields"]


def test_openapi_document_is_served(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert "/api/v1/persons" in doc["paths"]


# --- tokens in the UI ------------------------------------------------------------------------
def test_token_is_created_in_the_ui_shown_once_and_only_its_hash_stored(users, login):
    client = login(users["township_a"])
    response = client.post("/account/tokens/", {"name": "sampling tablet 3", "days": 30})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key.startswith("fk_")
    assert key in response.content.decode()
    token = ApiToken.objects.get(user=users["township_a"])
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    stored = json.dumps(list(ApiToken.objects.values()), default=str)
    stored += json.dumps(list(AuditLog.objects.values("before", "after", "detail")), default=str)
    assert key not in stored
    assert key[10:] not in stored
    # shown once: the next visit no longer has it
    again = client.get("/account/tokens/").content.decode()
    assert token.prefix in again  # the token is listed, by its prefix only
    assert key not in again
    # and it works
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_token_form_errors_name_the_field(users, login):
    client = login(users["township_a"])
    response = client.post("/account/tokens/", {"name": "", "days": 30})
    assert response.status_code == 422
    assert "name" in response.context["form"].errors
    response = client.post("/account/tokens/", {"name": "x", "days": 1000})
    assert response.status_code == 422
    assert "days" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_token_revoked_in_the_ui_stops_working(users, login):
    client = login(users["township_a"])
    key = client.post("/account/tokens/", {"name": "tablet", "days": 30}).context["new_key"]
    token = ApiToken.objects.get(user=users["township_a"])
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_user_cannot_revoke_someone_elses_token(users, login, token_for):
    token_for(users["township_b"])
    theirs = ApiToken.objects.get(user=users["township_b"])
    response = login(users["township_a"]).post(f"/account/tokens/{theirs.pk}/revoke/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_user_sees_only_their_own_tokens(users, login, token_for):
    token_for(users["township_b"], name="b's secret device")
    token_for(users["township_a"], name="a-phone")
    response = login(users["township_a"]).get("/account/tokens/")
    page = response.content.decode()
    assert response.status_code == 200 and "a-phone" in page  # their own one is listed
    assert "b&#x27;s secret device" not in page and "b's secret device" not in page
