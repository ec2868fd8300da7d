"""The portal's report is a handful of queries (it is taken hundreds of times a second)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db
URL = "/api/v1/home-isolation/portal/reports"


def _ours(ctx) -> list[str]:
    """The report's own statements: the link with its phase and latest report, the policy
    stamp, the insert (the rate limit's count on PostgreSQL, savepoints and the transaction
    aside)."""
    return [
        q["sql"]
        for q in ctx.captured_queries
        if "core_ratecount" not in q["sql"]
        and "SAVEPOINT" not in q["sql"]
        and q["sql"] not in ("BEGIN", "COMMIT")
    ]


def test_a_portal_report_costs_a_handful_of_queries(link):
    c = Client()
    c.post(
        URL,
        {"token": link.token, "temperature": "36.5", "for_person": None},
        content_type="application/json",
    )  # fmt: skip  (warms the policy cache)
    from fangkong.home_isolation.models import HealthReport

    HealthReport.objects.all().delete()
    with CaptureQueriesContext(connection) as ctx:
        resp = c.post(URL, {"token": link.token, "temperature": "36.5"},
                      content_type="application/json")  # fmt: skip
    assert resp.status_code == 201
    ours = _ours(ctx)
    assert len(ours) <= 3, [q[:120] for q in ours]


def test_a_report_from_another_village_of_the_county_costs_no_more(
    link, stranger_b, users, sms, django_capture_on_commit_callbacks
):
    """The rule set's home block depends on the village only through the county sets
    above it: a county's thousands of villages share one remembered block (each new
    village cost two more queries a report; at the full county nearly every report)."""
    from fangkong.home_isolation import services

    with django_capture_on_commit_callbacks(execute=True):
        other = services.issue_link(stranger_b, by=users["township_b"])
    c = Client()
    # village A first: it warms the cache
    first = c.post(URL, {"token": link.token, "temperature": "36.5"},
                   content_type="application/json")  # fmt: skip
    assert first.status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        resp = c.post(URL, {"token": other.token, "temperature": "36.6"},
                      content_type="application/json")  # fmt: skip
    assert resp.status_code == 201
    ours = _ours(ctx)
    assert len(ours) <= 3, [q[:120] for q in ours]
