"""The pages and the API of essential workers and rosters, and the checkpoint's scan page:
who may open what (anonymous, wrong role, another area, another employer)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fangkong.logistics import services as logistics
from fangkong.workforce import services
from fangkong.workforce.services.compliance import pass_payload
from tests.workforce.conftest import valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker_a(employers, users, samples):
    w, _ = services.add_worker(
        employers["a"], by=users["county"], name="张快递", id_number=valid_id()
    )
    samples.sample(w.person, timezone.now())
    services.sync()
    w.refresh_from_db()
    return w


def test_the_compliance_pages_by_role_and_area(worker_a, access, employers):
    access.check(
        "/workforce/", allowed=["county", "township_a", "auditor"], denied_role=["sampler_a", "lab"]
    )
    access.check(f"/workforce/workers/{worker_a.pk}/", allowed=["county", "township_a"],
                 denied_role=["sampler_a"], other_area=["township_b"])  # fmt: skip
    access.check(
        f"/workforce/workers/{worker_a.pk}/pass/", allowed=["county"], other_area=["township_b"]
    )
    access.check(f"/workforce/employers/{employers['a'].pk}/", allowed=["county", "township_a"],
                 other_area=["township_b"])  # fmt: skip
    access.check("/workforce/summary/?by=township", allowed=["county"], denied_role=["lab"])


def test_the_work_pass_page_shows_a_qr_and_todays_verdict(worker_a, login, users):
    page = login(users["county"]).get(f"/workforce/workers/{worker_a.pk}/pass/").content.decode()
    assert 'data-testid="work-pass"' in page and "<svg" in page and "Valid" in page


def test_an_employers_account_lists_only_its_own_workers(
    worker_a, employers, employer_users, users, login
):
    theirs, _ = services.add_worker(
        employers["b"], by=users["county"], name="李超市", id_number=valid_id()
    )
    mine = login(employer_users["a"])
    page = mine.get("/workforce/")
    names = {row.person.name for row, _v in page.context["rows"]}
    assert page.status_code == 200 and names == {"张快递"}
    assert mine.get(f"/workforce/workers/{theirs.pk}/").status_code == 404
    api = mine.get("/api/v1/workforce/workers").json()
    assert [w["name"] for w in api["items"]] == ["张快递"]
    refused = mine.post(f"/api/v1/workforce/employers/{employers['b'].pk}/workers",
                        {"name": "偷加", "id_number": valid_id()}, content_type="application/json")  # fmt: skip
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    ok = mine.post(f"/api/v1/workforce/employers/{employers['a'].pk}/workers",
                   {"name": "自家", "id_number": valid_id()}, content_type="application/json")  # fmt: skip
    assert ok.status_code == 201 and ok.json()["employer_id"] == employers["a"].pk


def test_the_api_refuses_a_bad_id_naming_the_field(employers, login, users):
    resp = login(users["county"]).post(
        f"/api/v1/workforce/employers/{employers['a'].pk}/workers",
        {"name": "错号", "id_number": "500242198503120000"}, content_type="application/json",
    )  # fmt: skip
    assert resp.status_code == 422 and "id_number" in resp.json()["error"]["fields"]


def test_the_compliance_api_counts_per_sector_and_township(worker_a, login, users):
    by_sector = login(users["county"]).get("/api/v1/workforce/compliance?by=sector").json()
    assert [(r["label"], r["workers"], r["overdue"]) for r in by_sector] == [("快递物流", 1, 0)]
    assert login(users["county"]).get("/api/v1/workforce/compliance?by=nonsense").status_code == 422


def test_a_checkpoint_scans_work_and_freight_passes(worker_a, make_user, county, login, users):
    from fangkong.core.roles import Role

    officer = make_user(Role.CHECKPOINT_OFFICER, county.town_a, username="chk")
    c = login(officer)
    page = c.post("/logistics/scan/", {"code": pass_payload(worker_a)})
    assert page.status_code == 200 and 'data-verdict="valid"' in page.content.decode()
    bad = c.post("/logistics/scan/", {"code": "12345"})
    assert bad.status_code == 422 and "12 digits" in bad.content.decode()
    api = c.post("/api/v1/workforce/work-pass/verify", {"code": pass_payload(worker_a)},
                 content_type="application/json").json()  # fmt: skip
    assert api["valid"] is True and api["name"].startswith("张")
    assert login(users["lab"]).get("/logistics/scan/").status_code == 403
    today = timezone.localdate()
    fp = logistics.apply(by=users["county"], data=logistics.PassApplication(
        area=county.county, applicant_name="县医药公司", applicant_role="shipper",
        applicant_phone="13800138000", goods_class="medical", goods="药品", plate="渝A55555",
        origin="重庆市酉阳县", destination="重庆市黔江区", valid_from=today, valid_to=today,
        crew=[logistics.CrewData("司机", valid_id(), "13900139000", timezone.now())]))  # fmt: skip
    logistics.approve(fp, by=users["county"])
    page = c.post("/logistics/scan/", {"code": "FKF:" + fp.number, "checkpoint": "G65"})
    assert 'data-verdict="valid"' in page.content.decode()
    verified = c.post("/api/v1/logistics/verify", {"number": fp.number},
                      content_type="application/json").json()  # fmt: skip
    assert verified["verdict"] == "valid" and verified["plate"] == "渝A55555"
    printed = login(users["county"]).get(f"/logistics/passes/{fp.pk}/print/").content.decode()
    assert 'data-testid="pass-print"' in printed and "<svg" in printed and fp.number in printed


def test_roster_and_supply_pages(county, users, access):
    pool = services.create_pool(
        by=users["county"], name="专班", kind="checkpoint", area=county.town_a
    )
    access.check("/workforce/pools/", allowed=["county", "township_a"], denied_role=["lab"])
    access.check(f"/workforce/pools/{pool.pk}/", allowed=["county"], other_area=["township_b"])
    access.check("/workforce/my-shifts/", allowed=["county", "lab"])
    point = logistics.create_point(by=users["county"], name="库房", kind="site", area=county.town_a)
    access.check("/logistics/", allowed=["county", "township_a"], denied_role=["lab"])
    access.check(f"/logistics/points/{point.pk}/", allowed=["county"], other_area=["township_b"])
    access.check("/logistics/passes/", allowed=["county"], denied_role=["village_a"])
