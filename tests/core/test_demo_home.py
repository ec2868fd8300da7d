"""The demo shows every role something: after loading it, each demo login's home lists work
in its own areas (roles whose domain is not built yet say so instead)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.arrivals.demo import load_demo_arrivals
from fangkong.cases.models import CaseCandidate
from fangkong.control.demo import load_demo_control
from fangkong.control.models import ControlPhase
from fangkong.core.demo import DEMO_USERS, ensure_demo_users
from fangkong.core.models import User
from fangkong.sites.demo import load_demo_sites
from fangkong.testing.demo import load_demo_testing
from fangkong.testing.models import RetestTask
from fangkong.transfers.demo import load_demo_transfers
from tests.conftest import kept_for_scope, make_county
from tests.core.conftest import work_on
from tests.factories import PersonFactory, add_area

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_sms")]

AWAITING: set[str] = set()  # every role's domain is built
NO_QUEUE = {"auditor", "admin"}  # reading and administration: nothing waits on them
# an employer's work is its whitelist and its compliance page, not a queue of the home page
NO_QUEUE |= {"employer"}


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo on the test county, loaded once for the module (about 7 s of CPU each
    time): a second community in township A whose people fill the isolation sites, the
    village login's community (village A) and a few people in township B; then every
    loader. Each test runs inside it in a savepoint that is rolled back."""
    from django.test import override_settings

    from fangkong.core.sms import RecordingGateway, set_gateway

    set_gateway(RecordingGateway())  # no network while loading
    with (
        kept_for_scope(django_db_blocker),
        override_settings(VAR_DIR=tmp_path_factory.mktemp("demo")),
    ):
        county = make_county()
        other = add_area(county.town_a, "500242002002", "花东社区", "community")
        for _ in range(40):  # created first: the sites' demo takes the lowest ids
            PersonFactory(area=other)
        for _ in range(60):
            PersonFactory(area=county.village_a)
        for _ in range(5):
            PersonFactory(area=county.village_b)
        ensure_demo_users()
        out = load_demo_sites(), load_demo_testing(), load_demo_control()
        from fangkong.logistics.demo import load_demo_logistics
        from fangkong.workforce.demo import load_demo_workforce

        load_demo_workforce()
        load_demo_logistics()
        load_demo_arrivals()
        load_demo_transfers()
        set_gateway(None)
        yield county, out


@pytest.fixture
def county(_demo_once, db):
    return _demo_once[0]


@pytest.fixture
def demo(_demo_once, db):
    return _demo_once[1]


def home(username: str) -> str:
    client = Client()
    client.force_login(User.objects.get(username=username))
    resp = client.get("/")
    assert resp.status_code == 200
    return resp.content.decode()


@pytest.mark.parametrize("username", [u for u, _r, _a in DEMO_USERS])
def test_every_demo_login_has_work_on_its_home(demo, username):
    page = home(username)
    if username in AWAITING:
        assert 'data-testid="work-awaiting"' in page and 'class="work-item' not in page
    elif username in NO_QUEUE:
        assert 'data-testid="work-none"' in page and 'class="work-item' not in page
    else:
        assert work_on(page), f"{username}'s home lists no work"


def test_the_village_login_sees_its_communitys_work_and_not_the_townships(demo, county):
    _sites, _testing, control = demo
    assert User.objects.get(username="village").area_paths == (county.village_a.path,)
    in_village = ControlPhase.objects.filter(
        episode__area=county.village_a, status="active", planned_end_date__lte=timezone.localdate()
    ).count()
    village, township = work_on(home("village")), work_on(home("township"))
    assert control["village"] == 5 and village["control.phases_due"] == in_village == 3
    # the township also has the centralized isolation ending in the other community
    assert township["control.phases_due"] > village["control.phases_due"]
    assert village["testing.retests"] == RetestTask.objects.filter(
        area=county.village_a, state="open"
    ).count() == 10  # fmt: skip
    assert CaseCandidate.objects.get(state="open").area == county.village_a


def test_the_county_table_compares_two_townships(demo, county):
    page = home("county")
    assert f'data-township="{county.town_a.code}"' in page
    assert f'data-township="{county.town_b.code}"' in page


def test_a_second_run_adds_no_home_isolation(demo):
    assert load_demo_control() == {"skipped": 1}


def test_the_employer_login_sees_its_own_workers_and_the_county_its_passes(demo):
    client = Client()
    client.force_login(User.objects.get(username="employer"))
    page = client.get("/workforce/")
    assert (
        page.status_code == 200 and len(page.context["rows"]) == 20
    )  # the depot's, not the site's
    county = Client()
    county.force_login(User.objects.get(username="county"))
    passes = county.get("/logistics/passes/")
    assert passes.status_code == 200 and len(passes.context["rows"]) == 2


def test_the_demo_hands_arrivals_to_the_village_and_staffs_no_checkpoint(demo):
    village, checkpoint = work_on(home("village")), work_on(home("checkpoint"))
    assert village["arrivals.to_acknowledge"] >= 1
    assert checkpoint == {"checkpoints.unstaffed": 1}
    assert load_demo_arrivals() == {}  # a second run adds nothing
