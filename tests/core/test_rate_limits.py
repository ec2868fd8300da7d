"""Reveals and person searches are limited per user, in the page and the API alike: over the
limit the answer is 429 with a message saying when to try again, in the user's language;
nothing is revealed or audited beyond it; other users are not affected; the next window
allows again."""

from __future__ import annotations

import json

import pytest

from fangkong.core import ratelimit
from fangkong.core.models import AuditLog

pytestmark = pytest.mark.django_db

WINDOW = 600
START = 1_800_000_000 // WINDOW * WINDOW


@pytest.fixture
def clock(monkeypatch, settings):
    """Three of each per ten minutes; the clock stands one minute into a window."""
    settings.FANGKONG_RATE_LIMITS = {"pii.reveal": (3, WINDOW), "person.search": (3, WINDOW)}
    now = {"t": START + 60}
    monkeypatch.setattr(ratelimit, "_now", lambda: now["t"])
    return now


def reveal_api(client, key, person, **headers):
    body = {"model": "people.person", "id": person.pk, "field": "id_number"}
    return client.post(
        "/api/v1/reveal",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}", **headers},
    )


def test_api_reveals_over_the_limit_get_429_and_reveal_nothing(
    users, person_a, client, token_for, clock
):
    key = token_for(users["township_a"])
    for _ in range(3):
        assert reveal_api(client, key, person_a).status_code == 200
    response = reveal_api(client, key, person_a)
    assert response.status_code == 429
    error = json.loads(response.content)["error"]
    assert error["code"] == "rate_limited"
    assert error["message"] == "Too many reveals: try again in 9 minutes."
    assert response["Retry-After"] == "540"
    assert person_a.id_number not in response.content.decode()
    assert AuditLog.objects.filter(action="reveal").count() == 3
    # another user is not held back by it
    other = token_for(users["county"])
    assert reveal_api(client, other, person_a).status_code == 200
    # the next window allows again
    clock["t"] = START + WINDOW
    assert reveal_api(client, key, person_a).status_code == 200


def test_the_limit_message_reads_in_chinese(users, person_a, client, token_for, clock):
    key = token_for(users["township_a"])
    for _ in range(3):
        reveal_api(client, key, person_a)
    response = reveal_api(client, key, person_a, **{"Accept-Language": "zh-hans"})
    assert response.status_code == 429
    assert json.loads(response.content)["error"]["message"] == "查看过于频繁，请 9 分钟后再试。"


def test_page_reveals_over_the_limit_get_429_with_the_message(users, person_a, login, clock):
    client = login(users["township_a"])
    url = f"/reveal/people.person/{person_a.pk}/id_number/"
    for _ in range(3):
        response = client.post(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert person_a.id_number in response.content.decode()
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 429
    assert "Too many reveals: try again in 9 minutes." in response.content.decode()
    assert person_a.id_number not in response.content.decode()
    assert AuditLog.objects.filter(action="reveal").count() == 3


def test_api_searches_over_the_limit_get_429(users, person_a, api, token_for, clock):
    key = token_for(users["township_a"])
    for _ in range(3):
        response = api.get("/api/v1/persons", key, q="张")
        assert response.status_code == 200
        assert [p["name"] for p in json.loads(response.content)["items"]] == ["张三"]
    # listing without a search is not a search
    assert api.get("/api/v1/persons", key).status_code == 200
    response = api.get("/api/v1/persons", key, q="张")
    assert response.status_code == 429
    error = json.loads(response.content)["error"]
    assert (error["code"], error["message"]) == (
        "rate_limited",
        "Too many searches: try again in 9 minutes.",
    )
    assert "张三" not in response.content.decode()


def test_page_searches_over_the_limit_get_429_with_the_message(users, person_a, login, clock):
    client = login(users["township_a"])
    for _ in range(3):
        response = client.get("/people/persons/", {"q": "张"})
        assert response.status_code == 200
        assert "张三" in response.content.decode()
    response = client.get("/people/persons/", {"q": "张"})
    assert response.status_code == 429
    assert "Too many searches: try again in 9 minutes." in response.content.decode()
    assert "张三" not in response.content.decode()
    # the same page without a search still opens
    assert client.get("/people/persons/").status_code == 200


def test_on_postgresql_a_count_is_one_shared_row_and_old_windows_are_swept(
    users, clock, monkeypatch
):
    """On PostgreSQL each user's count of a window is one row counted by one statement, so
    a count another web process made is seen here; rows of ended windows are deleted by
    the counting itself now and then."""
    from django.db import connection

    from fangkong.core.errors import RateLimited
    from fangkong.core.models import RateCount

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite counts in each process's memory")
    user = users["county"]
    ratelimit.hit(user, "person.search")
    ratelimit.hit(user, "person.search")
    row = RateCount.objects.get()
    assert row.count == 2 and str(user.pk) in row.key
    RateCount.objects.filter(pk=row.pk).update(count=3)  # another process's third search
    with pytest.raises(RateLimited):
        ratelimit.hit(user, "person.search")
    clock["t"] += WINDOW  # the next window, and a sweep on this count
    monkeypatch.setattr(ratelimit, "PURGE_EVERY", 1)
    ratelimit.hit(user, "person.search")
    assert list(RateCount.objects.values_list("count", flat=True)) == [1]
