"""The API's own docs page works under the product's CSP: Swagger UI is served from our
static files, not a CDN the policy blocks."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


class Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            if a.get("src"):
                self.urls.append(a["src"])
            elif a.get("type") != "application/json":  # a data block runs nothing
                self.inline_scripts.append(str(a))
        elif tag == "link" and a.get("href"):
            self.urls.append(a["href"])


def test_the_api_docs_page_loads_only_same_origin_files_that_exist(client):
    resp = client.get("/api/v1/docs")
    assert resp.status_code == 200
    assert "script-src 'self'" in resp["Content-Security-Policy"]
    page = Assets()
    page.feed(resp.content.decode())
    scripts = [u for u in page.urls if u.endswith(".js")]
    assert any("swagger-ui-bundle" in u for u in scripts), page.urls  # the page is Swagger UI
    assert not page.inline_scripts
    for url in page.urls:
        assert url.startswith(settings.STATIC_URL) and not url.startswith("//"), url
        path = url.removeprefix(settings.STATIC_URL).split("?")[0]
        assert finders.find(path), f"{url} is not among the static files"


def test_the_static_swagger_bundle_is_served(client):
    resp = client.get(f"{settings.STATIC_URL}ninja/swagger-ui-bundle.js")
    assert resp.status_code == 200
    assert b"SwaggerUIBundle" in b"".join(
        resp.streaming_content if resp.streaming else [resp.content]
    )
