"""The links' buttons and endpoints: the placement queue's and the case page's one action,
for those who may, in their areas, with the refusals said in the page or the API's format."""

from __future__ import annotations

import pytest

from fangkong.cases import services as cases
from fangkong.home_isolation import services as home
from fangkong.home_isolation.choices import PlacementState
from fangkong.transfers.choices import TransferKind
from fangkong.transfers.models import TransferRequest
from tests.factories import PersonFactory
from tests.transfers.conftest import api_post, body

pytestmark = pytest.mark.django_db


def test_the_placement_queue_offers_the_transfer_to_those_who_take_from_it(
    failed, login, dispatcher, users
):
    page = login(dispatcher).get("/home-isolation/placement/").content.decode()
    assert 'data-testid="placement-transfer"' in page
    # a township officer sees the queue but does not take from it
    c = login(users["township_a"])
    assert (
        'data-testid="placement-transfer"'
        not in c.get("/home-isolation/placement/").content.decode()
    )
    assert c.post(f"/home-isolation/assessments/{failed.pk}/transfer/").status_code == 403
    assert (
        login(users["dispatcher_b"])
        .post(f"/home-isolation/assessments/{failed.pk}/transfer/")
        .status_code
        == 404
    )
    assert not TransferRequest.objects.exists()


def test_requesting_from_the_queue_page_takes_the_household_off_it(failed, login, dispatcher):
    c = login(dispatcher)
    resp = c.post(f"/home-isolation/assessments/{failed.pk}/transfer/", follow=True)
    req = TransferRequest.objects.get()
    html = resp.content.decode()
    assert (
        f"Transfer request #{req.pk} made" in html
        and 'data-testid="placement-transfer"' not in html
    )
    failed.refresh_from_db()
    assert failed.placement_state == PlacementState.TAKEN
    # twice: the same request, said again, nothing more
    resp = c.post(f"/home-isolation/assessments/{failed.pk}/transfer/", follow=True)
    assert f"Transfer request #{req.pk} made" in resp.content.decode()
    assert TransferRequest.objects.count() == 1
    # the request's page leads back to the check it came from
    page = c.get(f"/transfers/requests/{req.pk}/").content.decode()
    assert f'href="/home-isolation/assessments/{failed.pk}/" data-testid="request-source"' in page


def test_the_placement_endpoint_is_idempotent_and_refuses_by_the_rules(failed, login, users):
    url = f"/api/v1/transfers/requests/from-placement/{failed.pk}"
    c = login(users["dispatcher"])
    first = body(api_post(c, url, {}))
    assert first["kind"] == "home_ineligible" and first["source_ref"] == str(failed.pk)
    assert body(api_post(c, url, {}))["id"] == first["id"]
    assert api_post(login(users["township_a"]), url, {}).status_code == 403
    assert api_post(login(users["dispatcher_b"]), url, {}).status_code == 404
    c.post(f"/api/v1/transfers/requests/{first['id']}/cancel",
           '{"reason": "重复"}', content_type="application/json")  # fmt: skip
    home.cancel_placement(failed, reason_text="已自行安置", by=users["county"])
    resp = api_post(c, url, {})
    assert resp.status_code == 409 and "assessment" in resp.content.decode()


def test_the_case_page_sends_a_close_contact_and_the_case_with_one_click_each(
    case, contact, placed, login, users
):
    close = cases.register_contact(case, contact, by=users["county"]).contact
    c = login(users["county"])
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert "Send to centralized isolation" in page
    assert 'data-testid="case-transfer-request-new"' in page
    c.post(f"/cases/{case.pk}/contacts/{close.pk}/transfer-request/")
    c.post(f"/cases/{case.pk}/transfer-request/")
    kinds = dict(TransferRequest.objects.values_list("kind", "source_ref"))
    assert kinds == {TransferKind.CLOSE_CONTACT: str(close.pk), TransferKind.POSITIVE: str(case.pk)}
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert (
        "Send to centralized isolation" not in page
        and 'data-testid="case-transfer-request"' in page
    )
    assert 'data-testid="case-transfer-request-new"' not in page
    for req in TransferRequest.objects.all():  # each leads back to the case's page
        page = c.get(f"/transfers/requests/{req.pk}/").content.decode()
        assert f'href="/cases/{case.pk}/" data-testid="request-source"' in page


def test_the_case_pages_action_is_refused_by_role_and_area(case, contact, login, users):
    close = cases.register_contact(case, contact, by=users["county"]).contact
    assert login(users["auditor"]).post(f"/cases/{case.pk}/transfer-request/").status_code == 403
    assert login(users["township_b"]).post(f"/cases/{case.pk}/transfer-request/").status_code == 404
    # township A sees the case but not township B's contact
    url = f"/cases/{case.pk}/contacts/{close.pk}/transfer-request/"
    assert login(users["township_a"]).post(url).status_code == 404
    assert not TransferRequest.objects.exists()


def test_the_cases_endpoints_send_and_refuse(case, contact, placed, login, users):
    close = cases.register_contact(case, contact, by=users["county"]).contact
    secondary = cases.register_contact(case, PersonFactory(area=placed.village_b), kind="secondary",
                                       via=close, by=users["county"]).contact  # fmt: skip
    c = login(users["county"])
    sent = body(api_post(c, f"/api/v1/transfers/requests/from-contact/{close.pk}", {}))
    assert sent["kind"] == "close_contact" and sent["persons"] == [contact.pk]
    resp = api_post(c, f"/api/v1/transfers/requests/from-contact/{secondary.pk}", {})
    assert resp.status_code == 422
    assert api_post(login(users["auditor"]), f"/api/v1/transfers/requests/from-case/{case.pk}",
                    {}).status_code == 403  # fmt: skip
    cases.record_transfer(case, hospital="县人民医院", by=users["county"])
    resp = api_post(c, f"/api/v1/transfers/requests/from-case/{case.pk}", {})
    assert resp.status_code == 409
