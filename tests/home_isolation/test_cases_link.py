"""Home isolation and cases: a positive test of a person at home opens the cases app's case
candidate (one per person per positive tube), on the command centre's list to decide; a
fever or symptoms at home sends the person for an urgent door-to-door test, which is not
yet a candidate."""

import decimal

import pytest
from django.utils import timezone

from fangkong.cases import selectors as cases
from fangkong.cases.models import CaseCandidate
from fangkong.cases.services import open_candidate
from fangkong.core.errors import Conflict
from fangkong.core.models import Notice
from fangkong.home_isolation import services
from fangkong.home_isolation.models import CloseReview, HomeAlert
from fangkong.home_isolation.services.portal import record_report
from fangkong.testing import services as testing
from fangkong.testing.models import RetestTask, Tube
from tests.home_isolation.conftest import at_local
from tests.testing.conftest import lab, point, rnd, to_lab  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def positive_at_home(users, family, at_home, rnd, point, to_lab):  # noqa: F811
    """张三's test day (day 1) sampled at his door and reported positive by the lab."""
    import datetime as dt

    from fangkong.testing.models import ScreeningRound

    # the round is open all of today (a test day's tube is recorded within it)
    ScreeningRound.objects.filter(pk=rnd.pk).update(starts_at=timezone.now() - dt.timedelta(days=1))
    assert services.schedule_home_tests(timezone.localdate()) == 3
    task = RetestTask.objects.get(person=family[0], reason="home_test")
    done = testing.record_retest_sample(task, tube_barcode="H0000001", by=users["sampler_a"])
    to_lab(done.retest_tube)
    testing.record_result(Tube.objects.get(pk=done.retest_tube_id), outcome="positive",
                          by=users["lab"])  # fmt: skip
    return done.retest_tube


def test_a_positive_home_test_is_a_case_candidate_for_the_command_centre(
    users, family, positive_at_home, at_home
):
    [candidate] = CaseCandidate.objects.filter(person=family[0])
    assert candidate.tube == positive_at_home and candidate.state == "open"
    open_, _decided = cases.candidate_board(users["county"])
    assert list(open_) == [candidate]
    # the phase does not close by itself at its end: it goes to review
    from fangkong.control.models import ControlPhase

    today = timezone.localdate()
    ControlPhase.objects.filter(pk=at_home[0].pk).update(planned_end_date=today)
    record_report(family[0], at_home[0], decimal.Decimal("36.5"), [], at=at_local(8))
    services.close_due_phases(today)
    assert CloseReview.objects.get(person=family[0]).reasons == ["positive"]


def test_the_candidate_is_opened_once_per_person_per_positive(
    users, family, positive_at_home, django_capture_on_commit_callbacks
):
    first = CaseCandidate.objects.get(person=family[0])
    notices = Notice.objects.filter(kind="positive").count()
    again = open_candidate(family[0], positive_at_home, chain=[], by=users["lab"])
    assert again == first and CaseCandidate.objects.filter(person=family[0]).count() == 1
    assert Notice.objects.filter(kind="positive").count() == notices
    with pytest.raises(Conflict):  # the same tube reported twice
        testing.record_result(Tube.objects.get(pk=positive_at_home.pk), outcome="positive",
                              by=users["lab"])  # fmt: skip
    assert CaseCandidate.objects.filter(person=family[0]).count() == 1


def test_the_candidate_is_the_command_centres_of_its_area_only(
    users, family, positive_at_home, make_user, county
):
    from fangkong.core.roles import Role

    command_b = make_user(Role.COUNTY_COMMAND, county.town_b, username="command_b")
    open_, _decided = cases.candidate_board(command_b)
    assert not open_.exists()


def test_symptoms_at_home_send_for_an_urgent_test_not_a_candidate(users, family, at_home):
    report = record_report(family[0], at_home[0], decimal.Decimal("38.6"), ["cough"],
                           at=at_local(8))  # fmt: skip
    alert = HomeAlert.objects.get(report=report)
    services.handle_alert(alert, by=users["township_a"], send_for_test=True)
    assert (
        RetestTask.objects.filter(person=family[0], reason="home_test", state="open").count() == 1
    )
    assert not CaseCandidate.objects.exists()
