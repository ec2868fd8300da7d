"""Directives (督办): issued with a deadline to townships and departments; each recipient
acknowledges, reports progress, closes; the centre sees open, overdue and closed, and
escalates; told in the application and by SMS."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fangkong.command.choices import RECIPIENT_TRANSITIONS, RecipientState
from fangkong.command.models import Department, Directive, DirectiveRecipient, DirectiveUpdate
from fangkong.command.selectors import directive_board
from fangkong.command.services import directives as services
from fangkong.command.states import RecipientMachine
from fangkong.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditLog, Notice
from fangkong.core.timeline import timeline_of
from tests.factories import add_area
from tests.state_walk import walk


def _soon(hours: int = 24) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


@pytest.fixture
def phones(users):
    for name, phone in (("township_a", "13800000001"), ("township_b", "13800000002")):
        users[name].phone = phone
        users[name].save(update_fields=["phone"])
    return users


@pytest.fixture
def health_bureau(county, make_user):
    from fangkong.core.roles import Role

    dep = Department.objects.create(name="县卫健局", area=county.county)
    member = make_user(Role.COUNTY_COMMAND, county.county, username="wjj")
    dep.members.add(member)
    return dep, member


@pytest.fixture
def directive(users, county, phones, sms):
    return services.issue(by=users["county"], title="排查返乡人员", body="今日内完成",
                          deadline=_soon(), areas=[county.town_a])  # fmt: skip


def _kinds(d) -> set[str]:
    return {e.kind for e in timeline_of(d)}


def _recipient(d, area):
    return DirectiveRecipient.objects.get(directive=d, area=area, department__isnull=True)


def test_a_new_directive_tells_its_township_and_is_on_record(users, county, directive):
    assert Notice.objects.filter(user=users["township_a"], kind="directive.new").count() == 1
    assert not Notice.objects.filter(user=users["township_b"]).exists()
    assert "directive_issued" in _kinds(directive)
    assert AuditLog.objects.filter(object_type="command.directive",
                                   object_id=str(directive.pk)).exists()  # fmt: skip


def test_the_sms_goes_to_the_townships_work_phone(users, county, phones, sms,
                                                  django_capture_on_commit_callbacks):  # fmt: skip
    from django_tasks_db.models import DBTaskResult

    from fangkong.command.tasks import deliver

    with django_capture_on_commit_callbacks(execute=True):
        services.issue(by=users["county"], title="核酸筛查", body="", deadline=_soon(),
                       areas=[county.town_a])  # fmt: skip
    queued = DBTaskResult.objects.get(task_path__endswith="send_sms")
    assert "13800000001" not in str(queued.args_kwargs)  # the queue holds notice ids only
    assert sms.sent == []
    assert deliver(*queued.args_kwargs["args"]) == 1
    assert [p for p, _t in sms.sent] == ["13800000001"]
    assert "核酸筛查" in sms.sent[0][1]


def test_a_directive_without_a_deadline_or_to_nobody_is_refused(users, county):
    with pytest.raises(ValidationFailed) as exc:
        services.issue(by=users["county"], title="t", body="", deadline=None,
                       areas=[county.town_a])  # fmt: skip
    assert "deadline" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.issue(by=users["county"], title="t", body="", deadline=_soon())
    assert "recipients" in exc.value.fields
    assert Directive.objects.count() == 0
    services.issue(by=users["county"], title="t", body="", deadline=_soon(), areas=[county.town_a])
    assert Directive.objects.count() == 1


def test_only_the_centre_issues_and_only_within_its_areas(users, county):
    with pytest.raises(PermissionDenied):
        services.issue(by=users["township_a"], title="t", body="", deadline=_soon(),
                       areas=[county.town_b])  # fmt: skip
    assert Directive.objects.count() == 0


def test_the_township_walks_it_to_closed_with_notes_and_a_file(users, county, directive):
    r = _recipient(directive, county.town_a)
    by = users["township_a"]
    r = services.acknowledge(r, by=by)
    assert r.state == RecipientState.ACKNOWLEDGED
    r = services.report_progress(r, by=by, note="已排查 120 人",
                                 upload=SimpleUploadedFile("台账.xlsx", b"data"))  # fmt: skip
    r = services.report_progress(r, by=by, note="已排查 300 人")
    assert r.state == RecipientState.IN_PROGRESS
    r = services.close(r, by=by, note="全部完成")
    assert r.state == RecipientState.CLOSED
    kinds = list(DirectiveUpdate.objects.filter(recipient=r).values_list("kind", flat=True))
    assert kinds == ["acknowledged", "progress", "progress", "closed"]
    assert DirectiveUpdate.objects.filter(recipient=r).exclude(attachment="").count() == 1
    events = _kinds(directive)
    assert {"directive_acknowledged", "directive_progress", "directive_closed"} <= events


def test_an_illegal_move_is_the_machines_error(users, county, directive):
    r = _recipient(directive, county.town_a)
    with pytest.raises(IllegalTransition):
        services.close(r, by=users["township_a"])  # closing what was never acknowledged
    r.refresh_from_db()
    assert r.state == RecipientState.ISSUED
    assert services.acknowledge(r, by=users["township_a"]).state == RecipientState.ACKNOWLEDGED
    with pytest.raises(IllegalTransition):
        services.acknowledge(r, by=users["township_a"])  # twice


def test_acknowledging_a_directive_not_addressed_to_you_is_refused(users, county, directive,
                                                                   health_bureau):  # fmt: skip
    r = _recipient(directive, county.town_a)
    _dep, member = health_bureau
    with pytest.raises(PermissionDenied):
        services.acknowledge(r, by=member)  # sees the county, acts only for the bureau
    with pytest.raises(PermissionDenied):
        services.acknowledge(r, by=users["county"])  # the centre issues; it does not answer
    r.refresh_from_db()
    assert r.state == RecipientState.ISSUED
    assert services.acknowledge(r, by=users["township_a"]).state == RecipientState.ACKNOWLEDGED


def test_another_townships_directive_is_not_found_to_it(login, users, county, directive):
    r = _recipient(directive, county.town_a)
    b = login(users["township_b"])
    assert b.get(f"/command/directives/{directive.pk}/").status_code == 404
    assert b.post(f"/command/directives/recipients/{r.pk}/acknowledge/").status_code == 404
    a = login(users["township_a"])
    assert a.get(f"/command/directives/{directive.pk}/").status_code == 200
    assert a.post(f"/command/directives/recipients/{r.pk}/acknowledge/").status_code == 302
    r.refresh_from_db()
    assert r.state == RecipientState.ACKNOWLEDGED


def test_a_department_member_answers_for_the_department(users, county, health_bureau):
    dep, member = health_bureau
    d = services.issue(by=users["county"], title="调配采样人员", body="", deadline=_soon(),
                       departments=[dep])  # fmt: skip
    r = DirectiveRecipient.objects.get(directive=d, department=dep)
    assert Notice.objects.filter(user=member, kind="directive.new").exists()
    assert services.acknowledge(r, by=member).state == RecipientState.ACKNOWLEDGED


def test_a_township_outside_the_centres_areas_is_not_found(users, county):
    elsewhere = add_area(None, "500999", "外县", "county")
    town = add_area(elsewhere, "500999101", "外镇", "town")
    with pytest.raises(NotFound):
        services.issue(by=users["county"], title="x", body="", deadline=_soon(), areas=[town])
    assert Directive.objects.count() == 0
    assert services.issue(by=users["county"], title="x", body="", deadline=_soon(),
                          areas=[county.town_b]).recipients.count() == 1  # fmt: skip


def test_the_centre_sees_open_overdue_closed_and_escalates(users, county, directive, sms):
    r = _recipient(directive, county.town_a)
    later = timezone.now() + dt.timedelta(days=2)
    assert directive_board(users["county"], later) == {"open": 1, "overdue": 1, "closed": 0}
    assert directive_board(users["county"]) == {"open": 1, "overdue": 0, "closed": 0}
    r = services.escalate(r, by=users["county"], note="请加快")
    assert r.escalations == 1
    assert Notice.objects.filter(user=users["township_a"], kind="directive.escalated").exists()
    with pytest.raises(PermissionDenied):
        services.escalate(r, by=users["township_a"])
    services.acknowledge(r, by=users["township_a"])
    services.close(r, by=users["township_a"])
    assert directive_board(users["county"], later) == {"open": 0, "overdue": 0, "closed": 1}
    with pytest.raises(ValidationFailed):
        services.escalate(r, by=users["county"])  # closed: nothing to press


def test_the_overdue_check_tells_each_late_recipient_once(users, county, directive, sms):
    later = timezone.now() + dt.timedelta(days=2)
    assert services.notify_overdue(timezone.now()) == 0  # not late yet
    assert services.notify_overdue(later) == 1
    assert services.notify_overdue(later) == 0  # once
    assert Notice.objects.filter(user=users["township_a"], kind="directive.overdue").count() == 1
    assert Notice.objects.filter(user=users["county"], kind="directive.overdue").count() == 1


def test_the_recipient_machine_walks_its_table(users, county, directive):
    assert RecipientMachine.table == {k: set(v) for k, v in RECIPIENT_TRANSITIONS.items()}

    def make(state):
        area = county.village_a if state != RecipientState.ISSUED else county.village_b
        DirectiveRecipient.objects.filter(directive=directive, area=area).delete()
        return DirectiveRecipient.objects.create(directive=directive, area=area, state=state)

    walk(RecipientMachine, make, by=users["county"])
