"""A positive tube at once: members flagged, put under temporary control, retest tasks,
notifications queued for the command centre and each member's chain (sent after commit);
a positive single tube becomes a case candidate with person, household and chain."""

import datetime as dt

import pytest

from fangkong.areas.models import Responsibility
from fangkong.cases.models import CaseCandidate
from fangkong.control.models import ControlEpisode
from fangkong.core.models import TimelineEvent
from fangkong.testing import services
from fangkong.testing.models import Notification, RetestTask, Tube
from fangkong.testing.tasks import deliver


@pytest.fixture
def chain(county):
    """A village cadre answering for village A, with a phone."""
    return Responsibility.objects.create(area=county.village_a, role="village_cadre",
                                         person_name="村支书", phone="13900001111",
                                         starts_on=dt.date(2020, 1, 1))  # fmt: skip


@pytest.fixture
def received_pool(full_pool, to_lab):
    to_lab(full_pool)
    return Tube.objects.get(pk=full_pool.pk)


def test_a_positive_pool_controls_flags_and_orders_retests_at_once(
    received_pool, residents, users, chain, django_capture_on_commit_callbacks, sms
):
    from fangkong.control.services import start_episode

    start_episode(residents[0], "close_contact", by=users["county"])  # already under control
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.record_result(received_pool, outcome="positive", ct_values="30", by=users["lab"])
    members = residents[:10]
    # controlled: nine new episodes for the pool, the tenth was under control already
    pool_eps = ControlEpisode.objects.filter(
        reason="pool_positive_awaiting_retest", status="active"
    )
    assert set(pool_eps.values_list("person_id", flat=True)) == {p.pk for p in members[1:]}
    # flagged on each member's timeline
    flagged = TimelineEvent.objects.filter(kind="tube_positive", subject_type="people.person")
    assert set(flagged.values_list("subject_id", flat=True)) == {p.pk for p in members}
    # one door-to-door single-tube retest each
    tasks = RetestTask.objects.filter(source_tube=received_pool, state="open")
    assert set(tasks.values_list("person_id", flat=True)) == {p.pk for p in members}
    # the command centre and the village cadre notified, queued until commit
    notes = Notification.objects.filter(tube=received_pool)
    assert {n.recipient_kind for n in notes} == {"command", "chain"}
    cadre = notes.get(recipient_kind="chain")
    assert cadre.recipient_name == "村支书" and cadre.state == "queued"
    assert all(p.name in cadre.message for p in members)
    assert len(callbacks) == 1 and sms.sent == []
    # after commit the worker sends them through the gateway
    sent = deliver(list(notes.values_list("pk", flat=True)))
    assert sent >= 1
    assert ("13900001111", cadre.message) in sms.sent
    # once sent, the outbox keeps no copy of the text (it names the persons) nor the number
    cadre.refresh_from_db()
    assert (cadre.state, cadre.recipient_name) == ("sent", "村支书") and cadre.sent_at
    assert (cadre.message, cadre.phone) == ("", "")
    assert not Notification.objects.exclude(message="").exists()


def test_the_follow_up_notes_who_was_already_under_control(received_pool, residents, users):
    from fangkong.control.services import start_episode

    start_episode(residents[3], "close_contact", by=users["county"])
    out = services.follow_up_positive(received_pool, by=users["lab"])
    assert out.already_controlled == [residents[3].pk]
    assert residents[3].pk not in out.controlled


def test_a_positive_single_tube_opens_a_case_candidate(residents, swab, users, to_lab, chain):
    from fangkong.control.services import start_episode

    start_episode(residents[0], "close_contact", by=users["county"])
    tube = swab(residents[0], "S0000001").tube
    to_lab(tube)
    services.record_result(tube, outcome="positive", by=users["lab"])
    cand = CaseCandidate.objects.get()
    assert cand.person == residents[0] and cand.household_id == residents[0].household_id
    assert cand.chain[0]["name"] == "村支书"
    assert not RetestTask.objects.exists()
    assert Notification.objects.filter(tube=tube, recipient_kind="command").exists()


def test_a_failing_gateway_marks_the_notification_failed(received_pool, users, chain, sms):
    services.record_result(received_pool, outcome="positive", by=users["lab"])
    sms.fail = True
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert deliver(ids) == 0
    assert set(Notification.objects.values_list("state", flat=True)) == {"failed"}
    assert set(Notification.objects.values_list("message", flat=True)) == {""}
    errors = set(Notification.objects.values_list("error", flat=True))
    assert "ConnectionError: gateway down" in errors and "" not in errors  # the reason stays


def test_the_embedded_outbox_file_keeps_neither_the_text_nor_the_number(tmp_path):
    import json

    from fangkong.core.sms import FileGateway

    outbox = tmp_path / "sms-outbox.jsonl"
    FileGateway(outbox).send("13900001111", "Tube P1 positive. In your charge: 张三, 李四.")
    [line] = outbox.read_text(encoding="utf-8").splitlines()
    entry = json.loads(line)
    assert entry["to"] == "139****1111" and entry["chars"] == 41 and entry["at"]
    assert "13900001111" not in line and "张三" not in line


def test_follow_up_records_are_scoped_by_area(received_pool, users, chain, residents, swab, to_lab):
    services.record_result(received_pool, outcome="positive", by=users["lab"])
    assert RetestTask.objects.visible_to(users["village_a"]).count() == 10
    assert RetestTask.objects.visible_to(users["township_b"]).count() == 0
    assert Notification.objects.visible_to(users["township_b"]).count() == 0
    assert Notification.objects.visible_to(users["township_a"]).count() >= 1
    assert CaseCandidate.objects.visible_to(users["township_b"]).count() == 0


def test_the_retest_and_candidate_lists_are_scoped(received_pool, users, access):
    services.record_result(received_pool, outcome="positive", by=users["lab"])
    # the samplers who walk the door-to-door list read it too; the lab does not
    r = access.check("/api/v1/testing/retests", api=True,
                     allowed=["county", "township_a", "township_b", "sampler_a"],
                     denied_role=["lab"])  # fmt: skip
    assert r["county"] == 200
    from django.test import Client

    c = Client()
    c.force_login(users["township_b"])
    assert c.get("/api/v1/testing/retests").json()["count"] == 0
    c.force_login(users["township_a"])
    assert c.get("/api/v1/testing/retests").json()["count"] == 10
    access.check("/api/v1/cases/candidates", api=True, allowed=["county"],
                 denied_role=["sampler_a"])  # fmt: skip
