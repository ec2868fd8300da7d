"""Helpers for the platform tests: reading exports, API calls, raw column values."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.db import connection
from openpyxl import load_workbook

from fangkong.core import pii
from fangkong.core.services.tokens import create_token


def work_on(page: str) -> dict[str, int]:
    """A home page's work list: queue key -> count, in the order shown."""
    items = re.findall(r'data-queue="([\w.]+)">\s*<strong class="work-count">(\d+)</strong>', page)
    return {k: int(n) for k, n in items}


def xlsx_rows(response) -> list[list]:
    """The rows of an Excel download, header first."""
    body = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(body), read_only=True).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def raw_person_columns(pk: int) -> dict[str, str]:
    """What the database really holds for one person, bypassing the model fields."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id_number, phone, id_number_index, phone_index, name "
            "FROM people_person WHERE id = %s",
            [pk],
        )
        row = cur.fetchone()
    return dict(
        zip(["id_number", "phone", "id_number_index", "phone_index", "name"], row, strict=True)
    )


def error_of(response) -> dict:
    """The one API error body: {"code", "message", "fields"}."""
    body = json.loads(response.content)
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


@pytest.fixture
def no_sms():
    """No network: the testing pipeline's messages go to a recording double."""
    from fangkong.core.sms import RecordingGateway, set_gateway

    set_gateway(RecordingGateway())
    yield
    set_gateway(None)


@pytest.fixture
def token_for():
    """A live API token (the secret) for a user."""

    def make(user, **kw) -> str:
        return create_token(by=user, name=kw.pop("name", "test device"), **kw)[1]

    return make


@pytest.fixture
def api(client):
    """Calls the API with a bearer token: ``api.get(url, token)``, ``api.post(url, token, data)``."""

    class Api:
        def get(self, url, token=None, **params):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return client.get(url, params, headers=headers)

        def post(self, url, token=None, data=None, raw=None):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            body = raw if raw is not None else json.dumps(data or {})
            return client.post(url, body, content_type="application/json", headers=headers)

    return Api()


@pytest.fixture
def restore_keyring():
    """Key rotation replaces the process's keyring; put the session's back afterwards."""
    saved = pii.keyring()
    yield saved
    pii.set_keyring(saved)
