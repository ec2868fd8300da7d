"""The demo's cases: the county sees both townships' cases, a chain of two and the streak;
a second run changes nothing."""

import pytest
from django.utils import timezone

from fangkong.cases import graph, selectors
from fangkong.cases.demo import load_demo_cases
from fangkong.cases.models import Case, Contact
from fangkong.control.demo import load_demo_control
from fangkong.core.demo import ensure_demo_users
from fangkong.core.models import User
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(county, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    for area in (county.village_a, county.village_b):  # village A: the village login's
        for _ in range(12):
            PersonFactory(area=area)
    ensure_demo_users()
    load_demo_control()
    return load_demo_cases()


def test_the_demo_shows_cases_a_chain_and_the_streak(demo):
    assert demo == {"cases": 3, "contacts": 4}
    county = User.objects.get(username="county")
    found = sorted(Case.objects.values_list("found", flat=True))
    assert found == ["community", "community", "under_control"]
    assert (
        Contact.objects.count() == 4 and Contact.objects.filter(episode__isnull=True).count() == 0
    )
    assert [c.cases for c in graph.clusters(county)][0] == 2
    board = selectors.streaks(county, timezone.localdate())
    assert board.overall.days == 4
    village = User.objects.get(username="village")
    assert selectors.cases_for(village).count() == 2
    assert load_demo_cases() == {"skipped": 1}
