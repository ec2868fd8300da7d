"""Compliance comes from the testing pipeline's own records (no double entry): each
worker's last sample and result, who is due today and who is overdue per sector,
employer and township, and the daily work pass valid only while on schedule and negative."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.testing import services as testing
from fangkong.testing.choices import Outcome
from fangkong.testing.models import Tube
from fangkong.workforce import selectors, services
from fangkong.workforce.choices import WorkPassVerdict
from fangkong.workforce.services.compliance import pass_payload
from tests.workforce.conftest import valid_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_sms")]


def days_ago(n: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


def worker(employer, by, name="工人"):
    w, _ = services.add_worker(employer, by=by, name=name, id_number=valid_id())
    return w


def test_the_last_sample_and_result_come_from_the_real_pipeline(employers, users, county):
    """A swab taken at a testing point, boxed, tested and published: the worker's record
    follows without anyone typing a result in."""
    w = worker(employers["a"], users["county"])
    assert w.last_sampled_at is None and w.next_due_on == timezone.localdate()
    lab = testing.create_lab(name="县疾控", code="CDC9", area=county.county,
                             technicians=[users["lab"]], by=users["county"])  # fmt: skip
    rnd = testing.create_round(name="常态化", areas=[county.town_a], by=users["county"],
                               starts_at=days_ago(1), ends_at=timezone.now() + dt.timedelta(days=1))  # fmt: skip
    point = testing.create_point(name="钟多采样点", kind="fixed", area=county.town_a,
                                 samplers=[users["sampler_a"]], by=users["county"])  # fmt: skip
    member = testing.sample(
        rnd, point, person=w.person, tube_barcode="WK0001", by=users["sampler_a"]
    )
    services.sync(since=timezone.now() - dt.timedelta(minutes=5))
    w.refresh_from_db()
    assert w.last_sampled_at == member.member.sampled_at and w.last_result == ""
    assert w.next_due_on == timezone.localdate() + dt.timedelta(days=3)  # courier: 3 days
    tube = testing.close_tube(member.tube, by=users["sampler_a"])
    box = testing.create_box(barcode="WKBOX1", point=point, by=users["sampler_a"])
    testing.add_tube(box, tube.barcode, by=users["sampler_a"])
    testing.hand_over(box, courier_name="王师傅", lab=lab, by=users["sampler_a"])
    testing.receive_box(box, lab=lab, by=users["lab"])
    testing.record_result(Tube.objects.get(pk=tube.pk), outcome="negative", by=users["lab"])
    testing.publish_results(by=users["lab"], lab=lab)
    services.sync(since=timezone.now() - dt.timedelta(minutes=5))
    w.refresh_from_db()
    assert w.last_result == Outcome.NEGATIVE and w.last_result_at is not None
    assert services.verify_work_pass(pass_payload(w)).verdict == WorkPassVerdict.VALID


def test_due_today_and_overdue_follow_the_sectors_interval(employers, users, samples, high_risk):
    on_time = worker(employers["a"], users["county"], "准时")
    due = worker(employers["a"], users["county"], "今日")
    late = worker(employers["b"], users["county"], "逾期")
    samples.sample(on_time.person, days_ago(1))
    samples.sample(due.person, days_ago(3))
    samples.sample(late.person, days_ago(5))
    services.sync()
    today = timezone.localdate()
    overdue = set(
        selectors.compliance_list(users["county"], only="overdue").values_list("pk", flat=True)
    )
    due_today = set(
        selectors.compliance_list(users["county"], only="due").values_list("pk", flat=True)
    )
    assert overdue == {late.pk} and due_today == {due.pk}
    assert selectors.overdue_count(users["county"]) == 1
    assert selectors.overdue_count(users["township_a"]) == 0  # B's worker is not A's
    by_employer = {
        r.key: r for r in selectors.compliance_by(users["county"], "employer", today=today)
    }
    assert (by_employer[employers["a"].pk].workers, by_employer[employers["a"].pk].due_today) == (
        2,
        1,
    )
    assert by_employer[employers["b"].pk].overdue == 1
    by_town = {r.label: r for r in selectors.compliance_by(users["county"], "township")}
    assert by_town["钟多街道"].overdue == 0 and by_town["龙潭镇"].overdue == 1
    by_sector = selectors.compliance_by(users["county"], "sector")
    assert [(r.label, r.workers, r.overdue) for r in by_sector] == [("快递物流", 3, 1)]
    # the sector becomes daily: the one sampled yesterday is due today, the others overdue
    services.set_sector_interval(employers["a"].sector, by=users["county"], days=1)
    assert selectors.overdue_count(users["county"]) == 2


def test_the_work_pass_is_valid_only_while_on_schedule_and_negative(employers, users, samples):
    ok = worker(employers["a"], users["county"], "阴性")
    late = worker(employers["a"], users["county"], "逾期")
    positive = worker(employers["a"], users["county"], "阳性")
    pending = worker(employers["a"], users["county"], "待出")
    samples.sample(ok.person, days_ago(1))
    samples.sample(late.person, days_ago(6))
    samples.sample(positive.person, days_ago(1), outcome=Outcome.POSITIVE)
    samples.sample(pending.person, days_ago(0), outcome=None)
    verdicts = {
        w.pk: services.verify_work_pass(pass_payload(w)).verdict
        for w in (ok, late, positive, pending)
    }
    assert verdicts == {
        ok.pk: WorkPassVerdict.VALID,
        late.pk: WorkPassVerdict.OVERDUE,
        positive.pk: WorkPassVerdict.NOT_NEGATIVE,
        pending.pk: WorkPassVerdict.NOT_NEGATIVE,
    }
    shown = services.verify_work_pass(pass_payload(ok))
    assert shown.name.startswith("阴") and "性" not in shown.name  # masked
    assert services.verify_work_pass("FKW:nope").verdict == WorkPassVerdict.UNKNOWN


def test_a_pass_is_read_live_even_before_the_background_sync(employers, users, samples):
    w = worker(employers["a"], users["county"])
    assert services.verify_work_pass(pass_payload(w)).verdict == WorkPassVerdict.NOT_NEGATIVE
    samples.sample(w.person, days_ago(0))  # no sync run since
    assert services.verify_work_pass(pass_payload(w)).verdict == WorkPassVerdict.VALID


def test_a_worker_who_left_the_whitelist_has_no_valid_pass(employers, users, samples):
    w = worker(employers["a"], users["county"])
    samples.sample(w.person, days_ago(0))
    assert services.verify_work_pass(pass_payload(w)).valid
    services.remove_worker(w, by=users["county"], reason="离职")
    assert services.verify_work_pass(pass_payload(w)).verdict == WorkPassVerdict.LEFT


def test_the_figures_give_compliance_and_overdue_per_township(employers, users, samples, county):
    a = worker(employers["a"], users["county"], "甲")
    b = worker(employers["b"], users["county"], "乙")
    samples.sample(a.person, days_ago(1))
    samples.sample(b.person, days_ago(9))
    services.sync()
    figs = {f.key: f for f in selectors.figures(users["county"], timezone.localdate())}
    assert figs["workforce.workers"].value == 2
    assert figs["workforce.compliance_pct"].value == 50.0
    assert figs["workforce.overdue"].value == 1
    assert figs["workforce.overdue"].by_township == {county.town_b.path: 1}
    assert "workforce.roster_gaps" in figs
    only_a = {f.key: f.value for f in selectors.figures(users["township_a"], timezone.localdate())}
    assert only_a["workforce.workers"] == 1 and only_a["workforce.overdue"] == 0
