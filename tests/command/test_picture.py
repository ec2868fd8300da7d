"""The daily picture: every registered section's figures for a day, for the county and for
a township's own area, drill-down by township, the charts' data, the API agreeing."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from fangkong.command import selectors


def _figure(pic, key):
    return next(f for s in pic.sections for f in s.figures if f.key == key)


def test_the_county_sees_its_persons_under_control_per_township(users, county, under_control):
    pic = selectors.picture(users["county"], timezone.localdate())
    total = _figure(pic, "control.total")
    assert total.value == 2
    assert total.by_township == {county.town_a.path: 1, county.town_b.path: 1}
    assert {r.area.pk for r in pic.rows} >= {county.town_a.pk, county.town_b.pk}
    assert {"control", "sites", "testing"} <= {s.section.key for s in pic.sections}


def test_a_township_sees_only_its_own_area(users, county, under_control):
    pic = selectors.picture(users["township_a"], timezone.localdate())
    total = _figure(pic, "control.total")
    assert total.value == 1
    assert county.town_b.path not in (total.by_township or {})


def test_a_day_before_the_episodes_began_counts_nobody(users, under_control):
    earlier = timezone.localdate() - dt.timedelta(days=5)
    assert _figure(selectors.picture(users["county"], earlier), "control.total").value == 0
    assert _figure(selectors.picture(users["county"], timezone.localdate()),
                   "control.total").value == 2  # fmt: skip


def test_the_page_shows_figures_charts_and_the_township_table(login, users, county, under_control):
    resp = login(users["county"]).get("/command/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'data-testid="township-table"' in html and 'id="chart-data"' in html
    assert f"/command/areas/{county.town_a.pk}/" in html
    assert "<script>" not in html.replace('<script id="chart-data" type="application/json">', "")
    charts = resp.context["pic"].charts
    keys = {c["key"] for c in charts}
    assert {"control_population", "capacity", "testing"} <= keys
    control = next(c for c in charts if c["key"] == "control_population")
    assert len(control["labels"]) == selectors.CHART_DAYS
    assert sum(d["data"][-1] for d in control["datasets"]) == 2  # today: both under control


def test_the_county_drills_down_to_a_township(login, users, county, under_control):
    resp = login(users["county"]).get(f"/command/areas/{county.town_a.pk}/")
    assert resp.status_code == 200
    assert _figure(resp.context["pic"], "control.total").value == 1


def test_another_townships_drill_down_is_not_found(login, users, county, under_control):
    client = login(users["township_a"])
    assert client.get(f"/command/areas/{county.town_a.pk}/").status_code == 200
    assert client.get(f"/command/areas/{county.town_b.pk}/").status_code == 404


def test_a_role_without_the_picture_is_refused(login, users):
    assert login(users["county"]).get("/command/").status_code == 200
    assert login(users["sampler_a"]).get("/command/").status_code == 403


def test_a_future_day_is_refused_on_the_page_and_in_the_api(login, users):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    client = login(users["county"])
    resp = client.get(f"/command/?day={tomorrow}")
    assert resp.status_code == 200 and resp.context["pic"].day == timezone.localdate()
    assert "future" in resp.content.decode()
    api = client.get(f"/api/v1/command/picture?day={tomorrow}")
    assert api.status_code == 422  # ValidationFailed
    assert api.json()["error"]["fields"]["day"]
    assert client.get("/api/v1/command/picture").status_code == 200


def test_the_api_gives_the_pages_figures(login, users, under_control):
    client = login(users["county"])
    day = timezone.localdate().isoformat()
    page = client.get(f"/command/?day={day}").context["pic"].as_dict()
    api = client.get(f"/api/v1/command/picture?day={day}").json()
    assert api["sections"] == json.loads(json.dumps(page["sections"]))
    assert any(f["key"] == "control.total" and f["value"] == 2
               for s in api["sections"] for f in s["figures"])  # fmt: skip
