"""Every person and household page and API object endpoint: anonymous, wrong role, another
township (404) and permitted users."""

import pytest

from fangkong.people.models import Household, KeyCategory
from tests.factories import PersonFactory

VIEWERS = ["county", "township_a", "village_a", "sampler_a", "auditor"]
EDITORS = ["county", "township_a", "village_a"]


@pytest.fixture
def home(county):
    h = Household.objects.create(area=county.village_a, address="桃花路1号")
    p = PersonFactory(area=county.village_a, household=h, name="张三")
    return h, p


def test_person_pages(access, home):
    _, p = home
    access.check(
        f"/people/persons/{p.pk}/",
        allowed=VIEWERS,
        denied_role=["lab", "admin"],
        other_area=["township_b"],
    )
    access.check(
        f"/people/persons/{p.pk}/edit/",
        allowed=EDITORS,
        denied_role=["sampler_a", "auditor", "lab"],
        other_area=["township_b"],
    )
    access.check(
        f"/people/persons/{p.pk}/chain/",
        method="post",
        allowed=EDITORS,
        denied_role=["sampler_a", "auditor"],
        other_area=["township_b"],
    )


def test_household_pages(access, home):
    h, _ = home
    access.check(
        f"/people/households/{h.pk}/",
        allowed=VIEWERS,
        denied_role=["lab", "admin"],
        other_area=["township_b"],
    )
    access.check(
        f"/people/households/{h.pk}/edit/",
        allowed=EDITORS,
        denied_role=["sampler_a", "auditor"],
        other_area=["township_b"],
    )


def test_list_pages(access):
    for url in ["/people/persons/", "/people/households/", "/people/categories/"]:
        access.check(url, allowed=VIEWERS + ["township_b"], denied_role=["lab", "admin"])
    kc = KeyCategory.objects.get(code="kc01")
    access.check(f"/people/categories/{kc.pk}/", allowed=VIEWERS, denied_role=["lab"])
    access.check(
        "/people/duplicates/",
        allowed=["county", "township_a"],
        denied_role=["village_a", "sampler_a"],
    )
    access.check(
        "/people/imports/new/",
        allowed=["county", "township_a"],
        denied_role=["village_a", "auditor"],
    )
    access.check("/people/persons/new/", allowed=EDITORS, denied_role=["sampler_a", "auditor"])


def test_api_object_endpoints(access, county, home):
    h, p = home
    access.check(
        f"/api/v1/persons/{p.pk}",
        api=True,
        allowed=VIEWERS,
        denied_role=["lab", "admin"],
        other_area=["township_b"],
    )
    access.check(
        f"/api/v1/households/{h.pk}",
        api=True,
        allowed=VIEWERS,
        denied_role=["lab"],
        other_area=["township_b"],
    )
    person = {
        "area_id": county.village_a.pk,
        "name": "张三",
        "doc_type": "passport",
        "id_number": "E1",
    }
    access.check(
        f"/api/v1/persons/{p.pk}",
        api=True,
        method="put",
        data={**person, "version": 1},
        denied_role=["sampler_a", "auditor"],
        other_area=["township_b"],
    )
    for version, editor in enumerate(EDITORS, start=1):  # each change makes the next version
        resp = access.login(access.users[editor]).put(
            f"/api/v1/persons/{p.pk}", {**person, "version": version},
            content_type="application/json",
        )  # fmt: skip
        assert resp.status_code == 200 and resp.json()["version"] == version + 1, editor
    household = {"area_id": county.village_a.pk, "address": "桃花路2号"}
    access.check(
        f"/api/v1/households/{h.pk}",
        api=True,
        method="put",
        data=household,
        allowed=EDITORS,
        denied_role=["sampler_a"],
        other_area=["township_b"],
    )
    access.check(
        f"/api/v1/persons/{p.pk}?full_chain=true",
        api=True,
        allowed=EDITORS,
        denied_role=["sampler_a", "auditor"],
        other_area=["township_b"],
    )


def test_api_lists_hide_other_townships(users, login, home):
    h, p = home
    client = login(users["township_b"])
    assert client.get("/api/v1/persons").json()["count"] == 0
    assert client.get("/api/v1/households").json()["count"] == 0
    assert client.get("/api/v1/persons", {"q": "张三"}).json()["count"] == 0
    assert login(users["township_a"]).get("/api/v1/households").json()["count"] == 1
