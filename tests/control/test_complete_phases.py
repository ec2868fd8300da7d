"""complete_phases: many phases at once, the same outcome as complete_phase on each in turn
(rows, audit log, timeline), the same refusals, all or nothing, in a constant number of
queries."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.control.services import complete_phase, complete_phases, start_episode
from fangkong.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditLog, TimelineEvent
from fangkong.policy.services import create_rule_set
from tests.control.conftest import NOV_23
from tests.factories import PersonFactory
from tests.policy.conftest import county_set

pytestmark = pytest.mark.django_db
END = dt.date(2022, 11, 27)  # planned end of the centralized phase of an episode from NOV_23


def first(episode):
    return episode.phases.get(order=1)


def state():
    """Everything completing phases may change, without ids of log rows and times."""
    phases = list(
        ControlPhase.objects.order_by("pk").values_list(
            "pk",
            "status",
            "start_date",
            "planned_end_date",
            "actual_end_date",
            "test_days",
            "end_reason",
        )
    )
    episodes = list(ControlEpisode.objects.order_by("pk").values_list("pk", "status", "end_date"))
    audits = list(
        AuditLog.objects.order_by("pk").values_list(
            "actor_id",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "detail",
        )
    )
    events = list(
        TimelineEvent.objects.order_by("pk").values_list(
            "subject_type", "subject_id", "kind", "summary", "data", "actor_id", "area_id"
        )
    )
    return phases, episodes, audits, events


def both_ways(calls, *, by, **kw):
    """The state after complete_phase on each phase in turn, and after complete_phases on
    them all, from the same start; returns (one_by_one, bulk, results one by one, bulk)."""
    sp = transaction.savepoint()
    singles = [complete_phase(p, by=by, **kw) for p in calls()]
    one_by_one = state()
    transaction.savepoint_rollback(sp)
    bulk_results = complete_phases(calls(), by=by, **kw)
    return one_by_one, state(), singles, bulk_results


def test_same_rows_log_and_timeline_as_one_by_one(users, episode_a, episode_b):
    one, bulk, singles, results = both_ways(
        lambda: [first(episode_a), first(episode_b)], by=users["county"], on_date=END
    )
    assert bulk == one
    assert [(p.pk, p.status) for p in results] == [(p.pk, p.status) for p in singles]
    assert all(p.kind == "home_isolation" and p.status == "active" for p in results)


def test_same_outcome_early_with_a_reason(users, episode_a, episode_b):
    one, bulk, _s, _r = both_ways(
        lambda: [first(episode_a), first(episode_b)],
        by=users["county"],
        on_date=dt.date(2022, 11, 25),
        early_reason="  ruled out by the CDC ",
    )
    assert bulk == one
    assert {p[6] for p in bulk[0] if p[1] == "completed"} == {"ruled out by the CDC"}


def test_last_phases_complete_their_episodes(users, episode_a, episode_b):
    by = users["county"]
    nxt = complete_phases([first(episode_a), first(episode_b)], by=by, on_date=END)
    one, bulk, singles, results = both_ways(
        lambda: [ControlPhase.objects.get(pk=p.pk) for p in nxt],
        by=by,
        on_date=dt.date(2022, 11, 30),
    )
    assert bulk == one
    assert singles == results == [None, None]
    assert set(ControlEpisode.objects.values_list("status", flat=True)) == {"completed"}


def test_a_three_phase_rule_moves_the_later_phases_too(users, person_a, person_b):
    by = users["county"]
    three = [
        {"kind": "centralized_isolation", "days": 3, "test_days": [1, 3]},
        {"kind": "home_isolation", "days": 4, "test_days": [4]},
        {"kind": "home_health_monitoring", "days": 3, "test_days": [3]},
    ]
    create_rule_set(
        county_set(rules=[{"reason": "close_contact", "notes": "", "phases": three}]), by=by
    )
    a = start_episode(person_a, "close_contact", start_date=NOV_23, by=by)
    b = start_episode(person_b, "close_contact", start_date=NOV_23, by=by)
    assert a.phases.count() == 3
    # late: the home phases are laid out again from the day the first ended
    one, bulk, _s, results = both_ways(
        lambda: [first(a), first(b)], by=by, on_date=dt.date(2022, 11, 27)
    )
    assert bulk == one
    third = a.phases.get(order=3)
    assert (third.status, third.start_date) == ("planned", dt.date(2022, 12, 1))


def test_mixed_days_and_order_of_input_are_kept(users, county, episode_a, person_b):
    by = users["county"]
    later = start_episode(person_b, "close_contact", start_date=dt.date(2022, 11, 24), by=by)
    # the 28th: on time for the later one, a day late for episode_a
    one, bulk, _s, _r = both_ways(
        lambda: [first(later), first(episode_a)], by=by, on_date=dt.date(2022, 11, 28)
    )
    assert bulk == one


@pytest.mark.parametrize(
    "kw,error,field",
    [
        ({"on_date": dt.date(2022, 11, 25)}, ValidationFailed, "early_reason"),
        ({"on_date": dt.date(2022, 11, 22), "early_reason": "x"}, ValidationFailed, "on_date"),
    ],
)
def test_a_refusal_is_the_same_and_changes_nothing(users, episode_a, episode_b, kw, error, field):
    by = users["county"]
    before = state()
    with pytest.raises(error) as single:
        complete_phase(first(episode_b), by=by, **kw)
    with pytest.raises(error) as bulk:
        complete_phases([first(episode_a), first(episode_b)], by=by, **kw)
    assert field in bulk.value.fields
    # both phases have the same dates: the message of the first refused one is the same
    assert str(bulk.value.message) == str(single.value.message)
    assert state() == before


def test_one_refused_phase_stops_the_whole_batch(users, episode_a, person_b):
    by = users["county"]
    # this one starts on the 25th: ending it on the 27th is early and needs a reason
    late = start_episode(person_b, "close_contact", start_date=dt.date(2022, 11, 25), by=by)
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        complete_phases([first(episode_a), first(late)], by=by, on_date=END)
    assert "early_reason" in exc.value.fields and "2022-11-29" in str(exc.value.message)
    assert state() == before


def test_a_planned_phase_or_the_same_phase_twice_is_illegal(users, episode_a, episode_b):
    by = users["county"]
    before = state()
    with pytest.raises(IllegalTransition):
        complete_phases([first(episode_a), episode_b.phases.get(order=2)], by=by, on_date=END)
    with pytest.raises(IllegalTransition) as exc:
        complete_phases([first(episode_a), first(episode_a)], by=by, on_date=END)
    assert "Completed" in str(exc.value.message)
    assert state() == before


def test_the_next_phase_in_the_same_batch_is_refused_like_one_by_one(users, episode_a):
    by = users["county"]
    phases = list(episode_a.phases.order_by("order"))
    with pytest.raises(ValidationFailed) as single, transaction.atomic():
        for p in phases:
            complete_phase(p, by=by, on_date=END)
    before = state()
    with pytest.raises(ValidationFailed) as bulk:
        complete_phases(phases, by=by, on_date=END)
    assert (bulk.value.fields, str(bulk.value.message)) == (
        single.value.fields,
        str(single.value.message),
    )
    assert state() == before


def test_area_and_role_refusals(users, episode_a, episode_b):
    before = state()
    with pytest.raises(NotFound):
        complete_phases([first(episode_a), first(episode_b)], by=users["township_a"], on_date=END)
    with pytest.raises(PermissionDenied):
        complete_phases([first(episode_a)], by=users["lab"], on_date=END)
    assert state() == before


def test_nothing_to_complete_is_nothing(users):
    assert complete_phases([], by=users["county"]) == []


def test_queries_do_not_grow_with_the_batch(users, county):
    by = users["county"]
    episodes = [
        start_episode(
            PersonFactory(area=county.village_a), "close_contact", start_date=NOV_23, by=by
        )
        for _ in range(6)
    ]
    phases = [first(e) for e in episodes]
    from fangkong.areas.models import Area
    from fangkong.policy.home import home_policy

    # remembered, as in a running server (the gate asks for the rule set in force today)
    home_policy(timezone.localdate(), Area(path=county.county.path))
    with CaptureQueriesContext(connection) as one:
        complete_phases(phases[:1], by=by, on_date=END)
    with CaptureQueriesContext(connection) as five:
        complete_phases(phases[1:], by=by, on_date=END)
    # 8 for the phases, up to 7 for home isolation's eligibility gate of the home phases
    # started, the village's notice included (home_isolation/services/gate.py)
    assert len(five) == len(one) <= 15
