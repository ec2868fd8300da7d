"""Completing a phase starts the next one that same day (its day 1), or ends the episode; ending early
needs a reason; cancelling drops what is left."""

import datetime as dt

import pytest

from fangkong.control.selectors import active_episode_for, day_of, episodes_due
from fangkong.control.services import cancel_episode, complete_phase
from fangkong.core.errors import IllegalTransition, ValidationFailed
from fangkong.core.timeline import timeline_of
from tests.control.conftest import phase_rows

pytestmark = pytest.mark.django_db


def first(episode):
    return episode.phases.get(order=1)


def test_completing_on_the_planned_end_activates_the_next_phase(users, episode_a):
    nxt = complete_phase(first(episode_a), by=users["township_a"], on_date=dt.date(2022, 11, 27))
    assert nxt.kind == "home_isolation" and nxt.status == "active"
    assert phase_rows(episode_a) == [
        (
            "centralized_isolation",
            "completed",
            "2022-11-23",
            "2022-11-27",
            ["2022-11-23", "2022-11-24", "2022-11-25", "2022-11-27"],
        ),
        ("home_isolation", "active", "2022-11-27", "2022-11-29", ["2022-11-27", "2022-11-29"]),
    ]
    assert first(episode_a).actual_end_date == dt.date(2022, 11, 27)


def test_completing_late_starts_the_next_phase_that_day(users, episode_a):
    nxt = complete_phase(first(episode_a), by=users["township_a"], on_date=dt.date(2022, 11, 28))
    assert (nxt.start_date, nxt.planned_end_date) == (dt.date(2022, 11, 28), dt.date(2022, 11, 30))
    assert nxt.test_days == ["2022-11-28", "2022-11-30"]
    assert day_of(nxt, dt.date(2022, 11, 28)) == (1, 3)  # not "day 0 of 3"


def test_completing_early_without_a_reason_is_refused_and_changes_nothing(users, episode_a):
    before = phase_rows(episode_a)
    with pytest.raises(ValidationFailed) as exc:
        complete_phase(first(episode_a), by=users["township_a"], on_date=dt.date(2022, 11, 25))
    assert "early_reason" in exc.value.fields
    assert "2022-11-27" in str(exc.value.message)
    assert phase_rows(episode_a) == before


def test_completing_early_with_a_reason_records_it(users, episode_a, person_a):
    nxt = complete_phase(
        first(episode_a),
        by=users["township_a"],
        on_date=dt.date(2022, 11, 25),
        early_reason="contact ruled out by the CDC",
    )
    assert nxt.start_date == dt.date(2022, 11, 25)
    assert first(episode_a).end_reason == "contact ruled out by the CDC"
    summaries = [e.summary for e in timeline_of(person_a)]
    assert any("contact ruled out by the CDC" in s and "day 3 of 5" in s for s in summaries)


def test_completing_the_last_phase_completes_the_episode(users, episode_a, person_a):
    nxt = complete_phase(first(episode_a), by=users["township_a"], on_date=dt.date(2022, 11, 27))
    assert complete_phase(nxt, by=users["village_a"], on_date=dt.date(2022, 11, 30)) is None
    episode_a.refresh_from_db()
    assert (episode_a.status, episode_a.end_date) == ("completed", dt.date(2022, 11, 30))
    assert active_episode_for(person_a) is None
    kinds = [e.kind for e in timeline_of(person_a)]
    assert kinds[:2] == ["control_completed", "control_phase_completed"]
    assert "control_phase_started" in kinds


def test_a_planned_phase_cannot_be_completed(users, episode_a):
    with pytest.raises(IllegalTransition):
        complete_phase(
            episode_a.phases.get(order=2), by=users["township_a"], on_date=dt.date(2022, 11, 30)
        )


def test_a_phase_cannot_end_before_it_started(users, episode_a):
    with pytest.raises(ValidationFailed) as exc:
        complete_phase(
            first(episode_a),
            by=users["township_a"],
            on_date=dt.date(2022, 11, 22),
            early_reason="x",
        )
    assert "on_date" in exc.value.fields


def test_a_phase_cannot_be_recorded_as_ended_in_the_future(users, person_a):
    from django.utils import timezone

    from fangkong.control.services import start_episode

    today = timezone.localdate()
    episode = start_episode(person_a, "close_contact", start_date=today, by=users["township_a"])
    with pytest.raises(ValidationFailed) as exc:
        complete_phase(first(episode), by=users["township_a"], on_date=today + dt.timedelta(days=4))
    assert "on_date" in exc.value.fields


def test_phases_due_on_a_day(users, episode_a, episode_b):
    due = episodes_due(dt.date(2022, 11, 27))
    assert {p.episode for p in due} == {episode_a, episode_b}
    assert not episodes_due(dt.date(2022, 11, 26)).exists()
    assert not episodes_due(dt.date(2022, 11, 27), kind="home_isolation").exists()
    assert [p.episode for p in episodes_due(dt.date(2022, 11, 27), user=users["township_a"])] == [
        episode_a
    ]


def test_cancel_ends_the_phase_in_progress_and_drops_planned_ones(users, episode_a, person_a):
    cancel_episode(
        episode_a, reason_text="wrong person", by=users["township_a"], on_date=dt.date(2022, 11, 24)
    )
    episode_a.refresh_from_db()
    assert (episode_a.status, episode_a.cancel_reason) == ("cancelled", "wrong person")
    assert [(p.status, p.actual_end_date) for p in episode_a.phases.all()] == [
        ("cancelled", dt.date(2022, 11, 24)),
        ("cancelled", None),
    ]
    assert timeline_of(person_a)[0].kind == "control_cancelled"


def test_cancel_needs_a_reason_and_an_episode_under_way(users, episode_a):
    with pytest.raises(ValidationFailed) as exc:
        cancel_episode(episode_a, reason_text="", by=users["township_a"])
    assert "reason_text" in exc.value.fields
    cancel_episode(episode_a, reason_text="error", by=users["township_a"])
    with pytest.raises(IllegalTransition):
        cancel_episode(episode_a, reason_text="again", by=users["township_a"])
