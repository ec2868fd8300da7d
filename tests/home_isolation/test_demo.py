"""The demo's home isolation: every login it concerns sees something, a second run adds
nothing."""

import pytest
from django.test import Client

from fangkong.control.demo import load_demo_control
from fangkong.core.demo import ensure_demo_users
from fangkong.core.models import User
from fangkong.home_isolation.demo import load_demo_home
from fangkong.home_isolation.models import EligibilityAssessment, HomeAlert, ServiceRequest
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_sms")]


@pytest.fixture
def no_sms():
    from fangkong.core.sms import RecordingGateway, set_gateway

    set_gateway(RecordingGateway())
    yield
    set_gateway(None)


@pytest.fixture
def loaded(county, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    ensure_demo_users()
    for i in range(8):
        hh = HouseholdFactory(area=county.village_a, address=f"演示路{i}号")
        PersonFactory(area=county.village_a, household=hh, phone="13800000000")
    load_demo_control(township=county.town_a)
    return load_demo_home()


def test_the_demo_has_a_failed_home_a_fever_alert_and_an_overdue_request(loaded):
    assert loaded["assessed"] >= 3
    assert EligibilityAssessment.objects.filter(outcome="ineligible").count() == 1
    assert HomeAlert.objects.count() == 1
    assert ServiceRequest.objects.count() == 2
    assert load_demo_home() == {"skipped": 1}
    assert EligibilityAssessment.objects.count() == loaded["assessed"]


@pytest.mark.parametrize(
    "who, url, text",
    [("village", "/home-isolation/", "演示路"), ("village", "/home-isolation/requests/board/", "1"),
     ("township", "/home-isolation/alerts/", "38.3"), ("site", "/home-isolation/placement/", "Own bathroom")],
)  # fmt: skip
def test_the_logins_see_it(loaded, who, url, text):
    c = Client()
    c.force_login(User.objects.get(username=who))
    resp = c.get(url)
    assert resp.status_code == 200 and text in resp.content.decode()
