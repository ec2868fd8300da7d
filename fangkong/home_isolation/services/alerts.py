"""Alerts of home isolation: fever or symptoms (to the township's medical follow-up, which
can send the person for testing), a door opened (posted by a sensor gateway, to the
village), and the one reminder for a missed report window."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.core.notifications import notify, recipients
from fangkong.core.scoping import within
from fangkong.core.sms import get_gateway
from fangkong.core.timeline import record_event
from fangkong.home_isolation.choices import AlertKind, SealKind, SealState, Symptom
from fangkong.home_isolation.models import (
    DoorSeal,
    HealthReport,
    HomeAlert,
    ReportReminder,
    SensorGateway,
)
from fangkong.home_isolation.phases import home_phases_of
from fangkong.home_isolation.services._common import actor, check
from fangkong.people.models import Person


def _township(area: Area) -> Area:
    step = Area.steplen
    if len(area.path) <= 2 * step:
        return area
    return Area.objects.get(path=area.path[: 2 * step])


def raise_health_alert(report: HealthReport, *, fever: bool) -> HomeAlert:
    """A fever or symptom alert for the report, on the person's timeline, told to the
    township's medical follow-up (in the caller's transaction)."""
    person = report.person
    detail = _("%(t)s °C") % {"t": report.temperature}
    if report.symptoms:
        labels = dict(Symptom.choices)
        # stored text: in the county's language whoever triggered it
        with translation.override(settings.FANGKONG_PORTAL_LANGUAGE):
            named = "、".join(str(labels.get(c, c)) for c in report.symptoms)
        detail += " · " + named
    alert = HomeAlert.objects.create(
        person=person, household_id=person.household_id, area_id=person.area_id,
        kind=AlertKind.FEVER if fever else AlertKind.SYMPTOM, at=report.at,
        detail=detail[:200], report=report,
    )  # fmt: skip
    record_event(person, "home_health_alert", _("Health report alert: %(d)s") % {"d": detail},
                 area_id=person.area_id, data={"alert": alert.pk, "report": report.pk})  # fmt: skip
    area = Area.objects.get(pk=person.area_id)

    def tell() -> None:
        notify(
            recipients("home.medical", _township(area)),
            kind="home.alert",
            title=_("Fever or symptoms reported in home isolation (%(area)s)")
            % {"area": area.name},
            url=reverse("home_isolation:alerts"),
            area=area,
        )

    transaction.on_commit(tell)
    return alert


def handle_alert(alert: HomeAlert, *, by: Actor, send_for_test: bool = False) -> HomeAlert:
    """The medical follow-up has dealt with the alert; with ``send_for_test`` the person
    gets an urgent door-to-door test (``cases_link.send_for_test``); a positive tube from
    it opens the case candidate."""
    from fangkong.home_isolation.cases_link import send_for_test as urgent_test

    check(by, "home.medical")
    with transaction.atomic():
        alert = (
            HomeAlert.objects.select_for_update(of=("self",))
            .select_related("person")
            .get(pk=alert.pk)
        )
        check(by, "home.medical", alert.area, field="alert")
        if alert.handled_at is not None:
            raise Conflict(_("This alert was handled already."), field="alert", code="handled")
        alert.handled_at = timezone.now()
        alert.handled_by = by
        if send_for_test and alert.person is not None:
            urgent_test(alert.person, by=by)
            alert.candidate_opened = True
        alert.save(update_fields=["handled_at", "handled_by", "candidate_opened"])
        audit.record(audit.Action.UPDATE, alert, by=by, detail="alert handled")
        if alert.person is not None:
            record_event(alert.person, "home_alert_handled",
                         _("Alert handled by %(actor)s%(test)s")
                         % {"actor": actor(by),
                            "test": _(", sent for testing") if alert.candidate_opened else ""},
                         by=by, data={"alert": alert.pk})  # fmt: skip
    return alert


# --- door sensors ---------------------------------------------------------------------------
def hash_gateway_token(token: str) -> str:
    return hashlib.sha256(("sensor:" + token).encode()).hexdigest()


def gateway_for_token(token: str) -> SensorGateway | None:
    if not token:
        return None
    return (
        SensorGateway.objects.select_related("area")
        .filter(token_hash=hash_gateway_token(token), active=True)
        .first()
    )


def register_gateway(name: str, area: Area, *, by: Actor) -> tuple[SensorGateway, str]:
    """A sensor gateway and its token (shown once)."""
    import secrets

    check(by, "home.sensor.manage", area)
    token = secrets.token_urlsafe(32)
    gw = SensorGateway.objects.create(
        name=name.strip()[:60] or "gateway", area=area, token_hash=hash_gateway_token(token)
    )
    audit.record(audit.Action.CREATE, gw, by=by)
    return gw, token


def door_event(gateway: SensorGateway, *, sensor: str, at: dt.datetime | None = None) -> HomeAlert:
    """A door opened where sensor ``sensor`` is fitted: an alert to the village, on the
    timeline of everyone of the household in a home phase. A sensor outside the gateway's
    area, or not fitted, is not found."""
    number = (sensor or "").strip()
    if not number:
        raise ValidationFailed(_("sensor: the sensor's number is required."), field="sensor")
    at = at or timezone.now()
    seal = (
        DoorSeal.objects.select_related("area", "household")
        .filter(kind=SealKind.SENSOR, number=number)
        .exclude(state=SealState.REMOVED)
        .first()
    )
    if seal is None or not within(seal.area.path, [gateway.area.path]):
        raise NotFound(_("No door sensor %(n)s is fitted.") % {"n": number}, field="sensor")
    with transaction.atomic():
        alert = HomeAlert.objects.create(
            household=seal.household, area=seal.area, kind=AlertKind.DOOR, at=at,
            detail=_("Door sensor %(n)s: door opened") % {"n": number},
        )  # fmt: skip
        members = list(Person.objects.filter(household=seal.household).values_list("pk", flat=True))
        for pid in home_phases_of(members):
            record_event(("people.person", pid), "home_door_opened",  # type: ignore[arg-type]
                         _("Door opened (sensor %(n)s)") % {"n": number},
                         area_id=seal.area_id, at=at, data={"alert": alert.pk})  # fmt: skip
        area = seal.area
        transaction.on_commit(
            lambda: notify(
                recipients("home.manage", area),
                kind="home.door",
                title=_("A door under home isolation was opened (%(area)s)") % {"area": area.name},
                url=reverse("home_isolation:alerts"),
                area=area,
            )  # fmt: skip
        )
    return alert


# --- reminders ------------------------------------------------------------------------------
def send_reminders(persons: list[Person], *, day: dt.date, window: str, by: Actor) -> int:
    """One reminder per person and window through the SMS gateway (none twice); returns how
    many were sent."""
    check(by, "home.manage")
    sent = 0
    now = timezone.now()
    messages: list[tuple[str, str]] = []
    text = _("[防控] Please send your health report (temperature and symptoms) now.")
    for p in persons:
        check(by, "home.manage", p.area, field="person")
        try:
            with transaction.atomic():
                ReportReminder.objects.create(
                    person=p, area_id=p.area_id, day=day, window=window, sent_at=now
                )
        except IntegrityError:
            continue
        sent += 1
        if p.phone:
            messages.append((p.phone, text))
    gateway = get_gateway()
    for phone, msg in messages:
        gateway.send(phone, msg)
    return sent
