"""The control API: scoped, day N of M in the output, errors in the project format."""

import pytest

from fangkong.control.models import ControlEpisode

pytestmark = pytest.mark.django_db
API = "/api/v1/control"


def test_list_is_scoped_and_filtered(access, login, users, episode_a, episode_b):
    access.check(
        f"{API}/episodes",
        allowed=["county", "township_a", "auditor"],
        denied_role=["lab", "sampler_a", "admin"],
        api=True,
    )
    items = login(users["township_a"]).get(f"{API}/episodes").json()["items"]
    assert [i["person_name"] for i in items] == ["张三"]
    county = login(users["county"])
    assert county.get(f"{API}/episodes", {"kind": "home_isolation"}).json()["count"] == 0
    assert county.get(f"{API}/episodes", {"due": "today"}).json()["count"] == 2


def test_list_bad_filter_is_a_422_naming_the_field(login, users):
    response = login(users["county"]).get(f"{API}/episodes", {"due": "someday"})
    assert response.status_code == 422
    assert "due" in response.json()["error"]["fields"]


def test_detail_has_phases_test_days_and_day_n_of_m(access, login, users, episode_a):
    url = f"{API}/episodes/{episode_a.pk}"
    access.check(url, allowed=["county", "township_a"], other_area=["township_b"], api=True)
    body = login(users["township_a"]).get(url).json()
    first, second = body["phases"]
    assert first["test_days"] == ["2022-11-23", "2022-11-24", "2022-11-25", "2022-11-27"]
    assert first["of_days"] == 5 and first["day"] > 5  # 2022 is long past
    assert second["day"] > 3
    assert body["current_phase_id"] == first["id"]
    assert body["rule_snapshot"]["rule_set"] == "cn-20-measures"


def test_start(access, login, users, person_a, person_b):
    data = {"person_id": person_a.pk, "reason": "close_contact", "start_date": "2022-11-23"}
    response = login(users["township_a"]).post(
        f"{API}/episodes", data, content_type="application/json"
    )
    assert response.status_code == 201
    assert [p["planned_end_date"] for p in response.json()["phases"]] == [
        "2022-11-27",
        "2022-11-30",
    ]
    again = login(users["township_a"]).post(
        f"{API}/episodes", data, content_type="application/json"
    )
    assert again.status_code == 409 and "person" in again.json()["error"]["fields"]


def test_start_refusals(access, users, person_b):
    data = {"person_id": person_b.pk, "reason": "close_contact", "start_date": "2022-11-23"}
    access.check(
        f"{API}/episodes",
        method="post",
        data=data,
        api=True,
        denied_role=["auditor", "lab"],
        other_area=["township_a", "village_a"],
    )
    assert not ControlEpisode.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "close_contact"}, "person_id"),
        ({"person_id": 0, "reason": "cousin"}, "reason"),
        ({"person_id": 0, "reason": "close_contact", "start_date": "2022-02-30"}, "start_date"),
        ({"person_id": 0, "reason": "close_contact", "colour": "red"}, "colour"),
    ],
)
def test_start_bad_input(login, users, data, field):
    response = login(users["county"]).post(f"{API}/episodes", data, content_type="application/json")
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]


def test_adjust(login, users, episode_a):
    phase = episode_a.phases.get(order=1)
    client = login(users["township_a"])
    url = f"{API}/phases/{phase.pk}/adjust"
    bad = client.post(
        url, {"new_end_date": "2022-11-29", "reason": " "}, content_type="application/json"
    )
    assert bad.status_code == 422 and "reason" in bad.json()["error"]["fields"]
    ok = client.post(
        url, {"new_end_date": "2022-11-29", "reason": "retest"}, content_type="application/json"
    )
    assert ok.status_code == 200
    assert [p["planned_end_date"] for p in ok.json()["phases"]] == ["2022-11-29", "2022-12-02"]
    other = login(users["township_b"]).post(
        url, {"new_end_date": "2022-11-30", "reason": "x"}, content_type="application/json"
    )
    assert other.status_code == 404


def test_complete(login, users, episode_a):
    first = episode_a.phases.get(order=1)
    client = login(users["township_a"])
    url = f"{API}/phases/{first.pk}/complete"
    early = client.post(url, {"on_date": "2022-11-25"}, content_type="application/json")
    assert early.status_code == 422 and "early_reason" in early.json()["error"]["fields"]
    ok = client.post(url, {"on_date": "2022-11-27"}, content_type="application/json")
    assert ok.status_code == 200
    phases = ok.json()["phases"]
    assert [p["status"] for p in phases] == ["completed", "active"]
    again = client.post(url, {"on_date": "2022-11-27"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"


def test_cancel(access, login, users, episode_a):
    url = f"{API}/episodes/{episode_a.pk}/cancel"
    access.check(
        url,
        method="post",
        data={"reason": "x"},
        api=True,
        denied_role=["auditor"],
        other_area=["township_b"],
    )
    client = login(users["township_a"])
    bad = client.post(url, {"reason": ""}, content_type="application/json")
    assert bad.status_code == 422 and "reason" in bad.json()["error"]["fields"]
    ok = client.post(url, {"reason": "duplicate"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "cancelled"
