"""An episode can be extended or shortened, with a reason and who did it; later phases move
with it; the change is audited and on the person's timeline."""

import datetime as dt

import pytest

from fangkong.control.services import adjust_phase, complete_phase
from fangkong.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditLog
from fangkong.core.timeline import timeline_of
from tests.control.conftest import phase_rows

pytestmark = pytest.mark.django_db


def first(episode):
    return episode.phases.get(order=1)


def test_extending_moves_later_phases_and_adds_the_release_test(users, episode_a):
    adjust_phase(
        first(episode_a),
        new_end_date=dt.date(2022, 11, 29),
        reason_text="roommate tested positive",
        by=users["township_a"],
    )
    assert phase_rows(episode_a) == [
        (
            "centralized_isolation",
            "active",
            "2022-11-23",
            "2022-11-29",
            ["2022-11-23", "2022-11-24", "2022-11-25", "2022-11-27", "2022-11-29"],
        ),
        ("home_isolation", "planned", "2022-11-30", "2022-12-02", ["2022-11-30", "2022-12-02"]),
    ]


def test_shortening_moves_later_phases_earlier(users, episode_a):
    adjust_phase(
        first(episode_a),
        new_end_date=dt.date(2022, 11, 25),
        reason_text="contact reassessed",
        by=users["township_a"],
    )
    assert phase_rows(episode_a) == [
        (
            "centralized_isolation",
            "active",
            "2022-11-23",
            "2022-11-25",
            ["2022-11-23", "2022-11-24", "2022-11-25"],
        ),
        ("home_isolation", "planned", "2022-11-26", "2022-11-28", ["2022-11-26", "2022-11-28"]),
    ]


def test_the_change_is_on_the_timeline_with_reason_and_actor(users, episode_a, person_a):
    officer = users["township_a"]
    adjust_phase(
        first(episode_a),
        new_end_date=dt.date(2022, 11, 29),
        reason_text="roommate tested positive",
        by=officer,
    )
    event = timeline_of(person_a)[0]
    assert event.kind == "control_adjusted"
    assert event.actor == officer
    assert "extended by 2 days to 2022-11-29" in event.summary
    assert "roommate tested positive" in event.summary and str(officer) in event.summary
    assert (
        event.data["old_end"] == "2022-11-27" and event.data["reason"] == "roommate tested positive"
    )


def test_the_change_is_audited_with_before_and_after(users, episode_a):
    phase = first(episode_a)
    adjust_phase(
        phase, new_end_date=dt.date(2022, 11, 26), reason_text="reassessed", by=users["county"]
    )
    entry = AuditLog.objects.filter(object_type="control.controlphase", object_id=str(phase.pk))
    entry = entry.get(action="update")
    assert entry.before["planned_end_date"] == "2022-11-27"
    assert entry.after["planned_end_date"] == "2022-11-26"
    assert "reassessed" in entry.detail and entry.actor == users["county"]


def test_a_later_phase_alone_can_be_extended(users, episode_a):
    home = episode_a.phases.get(order=2)
    adjust_phase(
        home, new_end_date=dt.date(2022, 12, 3), reason_text="symptoms", by=users["village_a"]
    )
    assert phase_rows(episode_a)[1][2:4] == ("2022-11-28", "2022-12-03")
    assert phase_rows(episode_a)[0][3] == "2022-11-27"


@pytest.mark.parametrize("reason_text", ["", "   "])
def test_a_reason_is_required(users, episode_a, reason_text):
    with pytest.raises(ValidationFailed) as exc:
        adjust_phase(
            first(episode_a),
            new_end_date=dt.date(2022, 11, 29),
            reason_text=reason_text,
            by=users["township_a"],
        )
    assert "reason_text" in exc.value.fields
    assert first(episode_a).planned_end_date == dt.date(2022, 11, 27)


def test_new_end_before_the_phase_start_is_refused(users, episode_a):
    home = episode_a.phases.get(order=2)
    with pytest.raises(ValidationFailed) as exc:
        adjust_phase(
            home, new_end_date=dt.date(2022, 11, 27), reason_text="x", by=users["township_a"]
        )
    assert "new_end_date" in exc.value.fields


def test_the_same_end_is_refused(users, episode_a):
    with pytest.raises(ValidationFailed) as exc:
        adjust_phase(
            first(episode_a),
            new_end_date=dt.date(2022, 11, 27),
            reason_text="x",
            by=users["township_a"],
        )
    assert "new_end_date" in exc.value.fields


def test_a_completed_phase_cannot_be_changed(users, episode_a):
    phase = first(episode_a)
    complete_phase(phase, by=users["township_a"], on_date=dt.date(2022, 11, 27))
    with pytest.raises(IllegalTransition):
        adjust_phase(
            phase, new_end_date=dt.date(2022, 11, 29), reason_text="x", by=users["township_a"]
        )


def test_other_township_cannot_adjust(users, episode_a):
    with pytest.raises(NotFound):
        adjust_phase(
            first(episode_a),
            new_end_date=dt.date(2022, 11, 29),
            reason_text="x",
            by=users["township_b"],
        )


def test_auditor_cannot_adjust(users, episode_a):
    with pytest.raises(PermissionDenied):
        adjust_phase(
            first(episode_a),
            new_end_date=dt.date(2022, 11, 29),
            reason_text="x",
            by=users["auditor"],
        )
