"""The nightly close, the review list, extend/shorten; missed reports and one reminder;
door-sensor events; test days turned into door-to-door tasks; sending an alert for testing."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.control.choices import EpisodeStatus, PhaseStatus
from fangkong.control.models import ControlPhase
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.core.models import Notice, TimelineEvent
from fangkong.home_isolation import selectors, services
from fangkong.home_isolation.choices import AlertKind, ReviewState, SealState
from fangkong.home_isolation.models import CloseReview, HomeAlert, HomeTest, ReportReminder
from fangkong.home_isolation.services.alerts import register_gateway
from fangkong.home_isolation.services.portal import record_report
from fangkong.testing.choices import RetestReason, RetestState
from fangkong.testing.models import RetestTask
from tests.home_isolation.conftest import at_local

pytestmark = pytest.mark.django_db


def _due_today(phases):
    """Start the phases 6 days ago: their 7th and last day is today."""
    today = timezone.localdate()
    for p in phases:
        ControlPhase.objects.filter(pk=p.pk).update(
            start_date=today - dt.timedelta(days=6), planned_end_date=today
        )


def _report(person, phase, temp="36.5", symptoms=(), hour=8):
    return record_report(person, phase, __import__("decimal").Decimal(temp), list(symptoms),
                         at=at_local(hour))  # fmt: skip


def test_due_phases_close_by_themselves_only_when_well_and_reported(users, family, at_home, home_a):
    head, child, granny = family
    services.fit_seal(home_a, kind="seal", number="FT-9", consent=True, by=users["village_a"])
    _due_today(at_home)
    _report(head, at_home[0])  # well, reported
    _report(child, at_home[1], temp="38.0")  # fever today
    # granny: no report today
    result = services.close_due_phases(timezone.localdate())
    assert (result.closed, result.to_review) == (1, 2)
    statuses = {p.pk: p.status for p in ControlPhase.objects.filter(pk__in=[p.pk for p in at_home])}
    assert statuses[at_home[0].pk] == PhaseStatus.COMPLETED
    assert statuses[at_home[1].pk] == PhaseStatus.ACTIVE
    assert head.control_episodes.get().status == EpisodeStatus.COMPLETED
    reviews = {r.person_id: r.reasons for r in CloseReview.objects.all()}
    assert reviews == {child.pk: ["symptoms"], granny.pk: ["no_report"]}
    # others still at home: the seal stays
    assert home_a and services.close_due_phases(timezone.localdate()).closed == 0
    from fangkong.home_isolation.models import DoorSeal

    assert DoorSeal.objects.get().state == SealState.FITTED
    assert TimelineEvent.objects.filter(subject_id=granny.pk, kind="home_close_review").exists()


def test_a_pending_test_keeps_the_phase_open_and_the_seal_is_flagged_when_all_leave(
    users, family, at_home, home_a
):
    services.fit_seal(home_a, kind="seal", number="FT-9", consent=True, by=users["village_a"])
    _due_today(at_home)
    for person, phase in zip(family, at_home, strict=True):
        _report(person, phase)
    RetestTask.objects.create(person=family[2], area=family[2].area, reason=RetestReason.HOME_TEST)
    result = services.close_due_phases(timezone.localdate())
    assert (result.closed, result.to_review) == (2, 1)
    assert CloseReview.objects.get().reasons == ["test_pending"]
    review = CloseReview.objects.get()
    services.resolve_review(review, by=users["village_a"], close=True, reason_text="结果阴性")
    from fangkong.home_isolation.models import DoorSeal

    assert DoorSeal.objects.get().state == SealState.REMOVAL_DUE
    review.refresh_from_db()
    assert review.state == ReviewState.DONE


def test_a_review_can_extend_with_a_reason_and_the_link_follows(users, family, at_home, link):
    _due_today(at_home)
    services.close_due_phases(timezone.localdate())
    review = CloseReview.objects.get(person=family[0])
    new_end = timezone.localdate() + dt.timedelta(days=3)
    with pytest.raises(ValidationFailed):
        services.resolve_review(review, by=users["village_a"], new_end_date=new_end, reason_text="")
    services.resolve_review(review, by=users["village_a"], new_end_date=new_end,
                            reason_text="复核未出结果")  # fmt: skip
    phase = ControlPhase.objects.get(pk=at_home[0].pk)
    assert phase.planned_end_date == new_end and phase.status == PhaseStatus.ACTIVE
    link.link.refresh_from_db()
    assert timezone.localtime(link.link.expires_at).date() == new_end + dt.timedelta(days=1)


def test_missed_reports_after_a_window_and_one_reminder_each(
    users, family, at_home, sms, stranger_b
):
    head, child, granny = family
    day = timezone.localdate()
    _report(head, at_home[0], hour=8)
    missed = selectors.missed_reports(users["village_a"], day, "morning")
    assert sorted(p.episode.person_id for p in missed) == sorted([child.pk, granny.pk])
    persons = [p.episode.person for p in missed]
    persons = list(type(persons[0]).objects.filter(pk__in=[p.pk for p in persons]))
    assert services.send_reminders(persons, day=day, window="morning", by=users["village_a"]) == 2
    assert [s[0] for s in sms.sent] == ["13900139000"]  # the child has no phone
    assert services.send_reminders(persons, day=day, window="morning", by=users["village_a"]) == 0
    assert ReportReminder.objects.count() == 2
    again = selectors.missed_reports(users["village_a"], day, "morning")
    assert all(p.reminded for p in again)


def test_a_door_sensor_event_alerts_the_village_and_the_timeline(
    users, family, at_home, home_a, make_user, county, django_capture_on_commit_callbacks
):
    services.fit_seal(home_a, kind="sensor", number="MC-77", consent=True, by=users["village_a"])
    gw, token = register_gateway(
        "门磁平台", county.town_a, by=make_user("system_admin", county.county)
    )
    with django_capture_on_commit_callbacks(execute=True):
        alert = services.door_event(gw, sensor="MC-77")
    assert alert.kind == AlertKind.DOOR and alert.household == home_a
    assert TimelineEvent.objects.filter(subject_id=family[0].pk, kind="home_door_opened").exists()
    assert Notice.objects.filter(user=users["village_a"], kind="home.door").exists()
    with pytest.raises(NotFound):
        services.door_event(gw, sensor="MC-404")
    gw_b, _t = register_gateway("B", county.town_b, by=make_user("system_admin", county.county))
    with pytest.raises(NotFound):
        services.door_event(gw_b, sensor="MC-77")
    assert HomeAlert.objects.count() == 1


def test_test_days_become_door_to_door_tasks_once(users, family, at_home):
    today = timezone.localdate()
    assert services.schedule_home_tests(today) == 3
    assert services.schedule_home_tests(today) == 0
    tasks = RetestTask.objects.filter(reason=RetestReason.HOME_TEST)
    assert tasks.count() == 3 and all(t.state == RetestState.OPEN for t in tasks)
    assert HomeTest.objects.count() == 3
    from fangkong.testing.selectors import open_retests

    assert open_retests(users["township_a"]).count() == 3
    assert services.schedule_home_tests(today + dt.timedelta(days=1)) == 0  # day 2: no test


def test_an_alert_can_be_sent_for_testing_once(users, family, at_home):
    report = _report(family[0], at_home[0], temp="38.5")
    alert = HomeAlert.objects.get(report=report)
    services.handle_alert(alert, by=users["township_a"], send_for_test=True)
    alert.refresh_from_db()
    assert alert.candidate_opened and alert.handled_by == users["township_a"]
    assert RetestTask.objects.filter(person=family[0], reason=RetestReason.HOME_TEST).exists()
    with pytest.raises(Conflict):
        services.handle_alert(alert, by=users["township_a"])


def test_the_command_closes_and_schedules(users, family, at_home, capsys):
    from django.core.management import call_command

    _due_today(at_home[:1])
    _report(family[0], at_home[0])
    call_command("close_home_phases")
    out = capsys.readouterr().out
    # closed first, then the test tasks of those still at home (day 1 is a test day)
    assert "closed=1" in out and "tests=2" in out


def test_the_missed_list_is_the_same_for_a_scope_too_large_to_list_its_episodes(
    users, family, at_home, stranger_b, monkeypatch
):
    day = timezone.localdate()
    _report(family[0], at_home[0], hour=8)
    listed = [
        p.episode.person_id for p in selectors.missed_reports(users["county"], day, "morning")
    ]
    monkeypatch.setattr(selectors, "MISSED_BY_EPISODE_IDS", 1)
    large = [p.episode.person_id for p in selectors.missed_reports(users["county"], day, "morning")]
    assert sorted(large) == sorted(listed) == sorted([family[1].pk, family[2].pk, stranger_b.pk])


def test_the_daily_pictures_home_figures_count_what_the_lists_show(
    users, family, at_home, stranger_b, county, monkeypatch, django_assert_max_num_queries
):
    """Home isolation's section of the daily picture: persons at home per township, and the
    reports missed in the windows closed so far, as many as the missed lists hold."""
    day = timezone.localdate()
    _report(family[0], at_home[0], hour=8)  # the head reported in the morning, no one else
    _report(family[0], at_home[0], hour=17)  # nor in the evening
    for who in ("county", "township_a", "township_b"):
        listed = {w: len(selectors.missed_reports(users[who], day, w))
                  for w in ("morning", "evening")}  # fmt: skip
        assert selectors.missed_counts(users[who], day, ["morning", "evening"]) == listed
    assert selectors.missed_counts(users["county"], day, []) == {}
    monkeypatch.setattr(selectors, "closed_windows", lambda now: ["morning", "evening"])
    with django_assert_max_num_queries(4):
        figures = {f.key: f for f in selectors.figures(users["county"], day)}
    assert figures["home.isolation"].value == 4 and figures["home.monitoring"].value == 0
    assert figures["home.isolation"].by_township == {county.town_a.path: 3, county.town_b.path: 1}
    assert figures["home.monitoring"].by_township == {}
    assert figures["home.missed_today"].value == 3 + 3  # morning: 小明, 王奶奶, 李四; evening too
    assert figures["home.requests_open"].value == figures["home.awaiting_placement"].value == 0
    own = {f.key: f.value for f in selectors.figures(users["township_b"], day)}
    assert own["home.isolation"] == 1 and own["home.missed_today"] == 2
