"""The portal's report is a handful of queries (it is taken hundreds of times a second)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_a_portal_report_costs_a_handful_of_queries(link):
    url = "/api/v1/home-isolation/portal/reports"
    c = Client()
    c.post(
        url,
        {"token": link.token, "temperature": "36.5", "for_person": None},
        content_type="application/json",
    )  # fmt: skip  (warms the policy cache)
    from fangkong.home_isolation.models import HealthReport

    HealthReport.objects.all().delete()
    with CaptureQueriesContext(connection) as ctx:
        resp = c.post(url, {"token": link.token, "temperature": "36.5"},
                      content_type="application/json")  # fmt: skip
    assert resp.status_code == 201
    assert len(ctx.captured_queries) <= 8, [q["sql"][:120] for q in ctx.captured_queries]
