"""The command centre API: directives issued, answered and refused as the pages do;
reports built and refused; wrong role 403, another area 404."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fangkong.command.models import DailyReport, Directive, DirectiveRecipient


def _deadline(hours: int = 24) -> str:
    return (timezone.now() + dt.timedelta(hours=hours)).isoformat()


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_a_directive_issued_and_answered_through_the_api(login, users, county):
    centre, town_a = login(users["county"]), login(users["township_a"])
    made = _post(centre, "/api/v1/command/directives",
                 {"title": "排查", "deadline": _deadline(), "area_ids": [county.town_a.pk]})  # fmt: skip
    assert made.status_code == 201, made.content
    rid = made.json()["recipients"][0]["id"]
    acted = _post(town_a, f"/api/v1/command/recipients/{rid}/actions", {"action": "acknowledge"})
    assert acted.status_code == 200 and acted.json()["state"] == "acknowledged"
    again = _post(town_a, f"/api/v1/command/recipients/{rid}/actions", {"action": "acknowledge"})
    assert again.status_code == 409  # the machine's error
    board = centre.get("/api/v1/command/board").json()
    assert board == {"open": 1, "overdue": 0, "closed": 0}


def test_a_directive_without_a_deadline_or_to_nobody_is_a_422(login, users, county):
    centre = login(users["county"])
    no_deadline = _post(centre, "/api/v1/command/directives",
                        {"title": "x", "area_ids": [county.town_a.pk]})  # fmt: skip
    assert no_deadline.status_code == 422
    assert "deadline" in no_deadline.json()["error"]["fields"]
    nobody = _post(centre, "/api/v1/command/directives", {"title": "x", "deadline": _deadline()})
    assert nobody.status_code == 422 and "recipients" in nobody.json()["error"]["fields"]
    assert Directive.objects.count() == 0


def test_the_wrong_role_and_the_wrong_recipient_are_refused(login, users, county):
    issued = _post(login(users["county"]), "/api/v1/command/directives",
                   {"title": "x", "deadline": _deadline(), "area_ids": [county.town_a.pk]})  # fmt: skip
    rid = issued.json()["recipients"][0]["id"]
    by_township = _post(login(users["township_a"]), "/api/v1/command/directives",
                        {"title": "x", "deadline": _deadline(), "area_ids": [county.town_a.pk]})  # fmt: skip
    assert by_township.status_code == 403
    other = _post(login(users["township_b"]), f"/api/v1/command/recipients/{rid}/actions",
                  {"action": "acknowledge"})  # fmt: skip
    assert other.status_code == 404  # another township's recipient does not exist for it
    centre = _post(login(users["county"]), f"/api/v1/command/recipients/{rid}/actions",
                   {"action": "acknowledge"})  # fmt: skip
    assert centre.status_code == 403  # the centre sees it but does not answer for the township
    assert DirectiveRecipient.objects.get(pk=rid).state == "issued"


def test_a_report_through_the_api_and_a_future_day_refused(login, users):
    centre = login(users["county"])
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    refused = _post(centre, "/api/v1/command/reports", {"day": tomorrow})
    assert refused.status_code == 422 and "day" in refused.json()["error"]["fields"]
    assert DailyReport.objects.count() == 0
    built = _post(centre, "/api/v1/command/reports", {"day": timezone.localdate().isoformat()})
    assert built.status_code == 201 and built.json()["version"] == 1
    pdf = centre.get(f"/command/reports/{built.json()['id']}/pdf/")  # the file: the page's
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert _post(login(users["township_a"]), "/api/v1/command/reports",
                 {"day": timezone.localdate().isoformat()}).status_code == 403  # fmt: skip
    assert login(users["sampler_a"]).get("/api/v1/command/picture").status_code == 403


def test_the_centre_names_departments_and_their_members(login, users):
    centre = login(users["county"])
    made = _post(centre, "/api/v1/command/departments",
                 {"name": "县卫健局", "member_ids": [users["county"].pk]})  # fmt: skip
    assert made.status_code == 201 and made.json()["member_ids"] == [users["county"].pk]
    again = _post(centre, "/api/v1/command/departments", {"name": "县卫健局"})
    assert again.status_code == 422 and "name" in again.json()["error"]["fields"]
    refused = _post(login(users["township_a"]), "/api/v1/command/departments", {"name": "x"})
    assert refused.status_code == 403
    listed = login(users["township_a"]).get("/api/v1/command/departments").json()
    assert [d["name"] for d in listed] == ["县卫健局"]
