"""The bell: every signed-in user's unread count in the header, the notices page (opening
one marks it read and follows its link), mark all read, and the API."""

from __future__ import annotations

from fangkong.core.models import Notice
from fangkong.core.notifications import notify


def test_the_bell_counts_the_users_unread_notices(login, users):
    notify([users["township_a"]], kind="test", title="一", url="/command/")
    notify([users["township_a"]], kind="test", title="二")
    html = login(users["township_a"]).get("/").content.decode()
    assert 'data-testid="bell-count">2<' in html
    other = login(users["sampler_a"]).get("/").content.decode()
    assert 'data-testid="bell"' in other and 'data-testid="bell-count"' not in other


def test_opening_a_notice_marks_it_read_and_follows_its_link(login, users):
    (n,) = notify([users["township_a"]], kind="test", title="督办", url="/command/directives/")
    client = login(users["township_a"])
    page = client.get("/notices/")
    assert page.status_code == 200 and "督办" in page.content.decode()
    resp = client.get(f"/notices/{n.pk}/")
    assert resp.status_code == 302 and resp["Location"] == "/command/directives/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_an_outside_link_is_not_followed(login, users):
    (n,) = notify([users["township_a"]], kind="test", title="x", url="https://example.com/")
    resp = login(users["township_a"]).get(f"/notices/{n.pk}/")
    assert resp.status_code == 302 and resp["Location"] == "/notices/"


def test_another_users_notice_is_not_found(login, users):
    (n,) = notify([users["township_a"]], kind="test", title="x")
    assert login(users["township_b"]).get(f"/notices/{n.pk}/").status_code == 404
    n.refresh_from_db()
    assert n.read_at is None
    assert login(users["township_a"]).get(f"/notices/{n.pk}/").status_code == 302


def test_mark_all_read_on_the_page_and_in_the_api(login, users):
    notify([users["township_a"]], kind="test", title="一")
    notify([users["township_a"], users["township_b"]], kind="test", title="二")
    client = login(users["township_a"])
    assert client.get("/api/v1/command/notices/unread").json() == {"unread": 2}
    listed = client.get("/api/v1/command/notices").json()
    assert [i["title"] for i in listed["items"]] == ["二", "一"]
    assert client.post("/notices/read-all/").status_code == 302
    assert client.get("/api/v1/command/notices/unread").json() == {"unread": 0}
    assert Notice.objects.filter(user=users["township_b"], read_at__isnull=True).count() == 1
    notify([users["township_a"]], kind="test", title="三")
    marked = client.post("/api/v1/command/notices/read", {}, content_type="application/json")
    assert marked.json() == {"marked": 1}
