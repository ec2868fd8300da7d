"""The resident portal: a personal link per person, no account; twice-daily reports with the
bad inputs the issue lists refused in Chinese, nothing written."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.core.errors import Conflict, NotFound, PermissionDenied, RateLimited, ValidationFailed
from fangkong.core.models import Notice
from fangkong.core.roles import Role
from fangkong.home_isolation import services
from fangkong.home_isolation.choices import AlertKind
from fangkong.home_isolation.models import HealthReport, HomeAlert, PortalLink, ServiceRequest
from tests.home_isolation.conftest import at_local

pytestmark = pytest.mark.django_db


def url(token, name="home"):
    return reverse(f"portal:{name}", args=[token])


def test_a_link_is_sent_by_sms_and_stored_only_hashed(link, family, sms):
    assert link.token not in PortalLink.objects.get().token_hash
    assert sms.sent and sms.sent[0][0] == "13800138000" and link.url in sms.sent[0][1]
    end = timezone.localdate() + dt.timedelta(days=6 + 1)  # 7 days at home + 1 grace day
    assert timezone.localtime(link.link.expires_at).date() == end


def test_the_portal_page_is_chinese_and_shows_only_its_person(link, family):
    page = Client().get(url(link.token))
    assert page.status_code == 200
    text = page.content.decode()
    assert "健康" in text and "张三" in text
    assert "第1天" in text or "第 1 天" in text
    assert "王奶奶" in text  # the elderly mother: a dependant he may report for
    assert "13900139000" not in text and "李四" not in text


def test_a_report_in_the_morning_window_is_recorded(link, family):
    r = services.submit_report(link.link, temperature="36.6", symptoms=[], at=at_local(8))
    assert r.window == "morning" and not r.flagged and r.person == family[0]


def test_the_head_reports_for_his_child_but_not_for_someone_else(link, family, stranger_b):
    r = services.submit_report(link.link, temperature="36.5", for_person=family[1].pk)
    assert r.person == family[1] and r.reported_by == family[0]
    with pytest.raises(NotFound):
        services.submit_report(link.link, temperature="36.5", for_person=stranger_b.pk)
    assert HealthReport.objects.count() == 1


@pytest.mark.parametrize("bad", ["50", "abc", "", "33.9", "NaN", "inf", "36,5,1"])
def test_a_bad_temperature_is_refused_in_chinese_nothing_written(link, bad):
    c = Client()
    resp = c.post(url(link.token, "report"), {"temperature": bad})
    assert resp.status_code == 422
    assert "体温" in resp.content.decode()
    assert not HealthReport.objects.exists()
    ok = c.post(url(link.token, "report"), {"temperature": "36.5"})
    assert ok.status_code == 302 and HealthReport.objects.count() == 1


def test_a_second_report_within_15_minutes_is_refused(link):
    services.submit_report(link.link, temperature="36.5", at=at_local(8, 0))
    with pytest.raises(Conflict) as e:
        services.submit_report(link.link, temperature="36.5", at=at_local(8, 14))
    assert e.value.code == "too_soon"
    services.submit_report(link.link, temperature="36.5", at=at_local(8, 16))
    assert HealthReport.objects.count() == 2


def test_a_revoked_or_expired_link_no_longer_works_a_reissued_one_does(users, link, family, sms):
    services.revoke_link(link.link, by=users["village_a"])
    resp = Client().get(url(link.token))
    assert resp.status_code == 403 and "撤回" in resp.content.decode()
    new = services.issue_link(family[0], by=users["village_a"])
    assert Client().get(url(new.token)).status_code == 200
    PortalLink.objects.filter(pk=new.link.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    resp = Client().get(url(new.token))
    assert resp.status_code == 403 and "过期" in resp.content.decode()


def test_an_unknown_link_is_not_found(link):
    resp = Client().get(url("x" * 32))
    assert resp.status_code == 404 and "无效" in resp.content.decode()
    assert Client().get(url(link.token)).status_code == 200


def test_a_link_is_rate_limited(link, settings):
    settings.FANGKONG_RATE_LIMITS = {**settings.FANGKONG_RATE_LIMITS, "portal.link": (3, 600)}
    for _ in range(3):
        services.resolve(link.token)
    with pytest.raises(RateLimited):
        services.resolve(link.token)


def test_fever_alerts_the_townships_medical_follow_up_and_the_timeline(
    link, family, users, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = services.submit_report(link.link, temperature="38.2", symptoms=["cough"])
    assert r.flagged
    alert = HomeAlert.objects.get()
    assert alert.kind == AlertKind.FEVER and alert.person == family[0]
    assert Notice.objects.filter(user=users["township_a"], kind="home.alert").exists()
    assert not Notice.objects.filter(user=users["township_b"], kind="home.alert").exists()
    from fangkong.core.models import TimelineEvent

    assert TimelineEvent.objects.filter(subject_id=family[0].pk, kind="home_health_alert").exists()


def test_an_unknown_symptom_is_refused(link):
    with pytest.raises(ValidationFailed):
        services.submit_report(link.link, temperature="36.5", symptoms=["hiccups"])
    assert not HealthReport.objects.exists()


def test_a_service_request_from_the_portal_is_due_by_its_kind(link, family):
    resp = Client().post(url(link.token, "request"), {"kind": "urgent_medicine", "note": "降压药"})
    assert resp.status_code == 302
    req = ServiceRequest.objects.get()
    assert req.from_portal and req.person == family[0]
    hours = (req.due_at - req.created_at).total_seconds() / 3600
    assert 1.99 < hours < 2.01
    bad = Client().post(url(link.token, "request"), {"kind": "pizza"})
    assert bad.status_code == 422 and ServiceRequest.objects.count() == 1


def test_a_person_not_at_home_gets_no_link(users, person_a):
    with pytest.raises(ValidationFailed):
        services.issue_link(person_a, by=users["village_a"])
    assert not PortalLink.objects.exists()


def test_wrong_role_and_area_cannot_issue(users, family, at_home, stranger_b, make_user, county):
    with pytest.raises(PermissionDenied):
        services.issue_link(family[0], by=make_user(Role.SAMPLER, county.town_a))
    with pytest.raises(NotFound):
        services.issue_link(stranger_b, by=users["village_a"])
    assert services.issue_link(family[0], by=users["village_a"]).link.pk


def test_the_portal_needs_csrf(link):
    c = Client(enforce_csrf_checks=True)
    assert c.post(url(link.token, "report"), {"temperature": "36.5"}).status_code == 403
    page = c.get(url(link.token))
    token = page.cookies["csrftoken"].value
    ok = c.post(url(link.token, "report"), {"temperature": "36.5", "csrfmiddlewaretoken": token})
    assert ok.status_code == 302


def test_the_qr_code_prints(link):
    resp = Client().get(url(link.token, "qr"))
    assert resp.status_code == 200 and "<svg" in resp.content.decode()
