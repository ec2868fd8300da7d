"""The resident portal's links and health reports: a personal link (a random token stored
hashed) for each person under home control, valid until the control ends plus a grace day,
revocable and reissued; health reports twice a day, a head of household reporting for the
dependants; fever or a listed symptom raises an alert."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit, ratelimit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.sms import get_gateway
from fangkong.core.timeline import record_event
from fangkong.home_isolation.choices import Symptom
from fangkong.home_isolation.models import HealthReport, PortalLink
from fangkong.home_isolation.phases import control_end, home_phase_of, home_phases_of
from fangkong.home_isolation.services._common import actor, age_on, check, user_or_none
from fangkong.home_isolation.services.alerts import raise_health_alert
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person
from fangkong.policy.home import fever_threshold, home_policy

TEMP_MIN, TEMP_MAX = Decimal("34.0"), Decimal("43.0")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def portal_url(token: str) -> str:
    return settings.FANGKONG_PUBLIC_URL.rstrip("/") + reverse("portal:home", args=[token])


@dataclass
class IssuedLink:
    link: PortalLink
    token: str  # shown once (the QR code), never stored

    @property
    def url(self) -> str:
        return portal_url(self.token)


def issue_link(person: Person, *, by: Actor, send: bool = True) -> IssuedLink:
    """A new personal link for a person in a home phase (any earlier one is revoked), sent
    by SMS through the gateway; valid until the control's planned end plus the grace days."""
    check(by, "home.manage", person.area, field="person")
    phase = home_phase_of(person.pk)
    if phase is None:
        raise ValidationFailed(
            _("%(name)s is not in home isolation or home health monitoring.") % {"name": person},
            field="person",
        )
    end = control_end(phase) + dt.timedelta(days=settings.FANGKONG_PORTAL_GRACE_DAYS)
    expires = timezone.make_aware(dt.datetime.combine(end, dt.time.max))
    token = secrets.token_urlsafe(24)
    now = timezone.now()
    with transaction.atomic():
        PortalLink.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=now)
        link = PortalLink.objects.create(
            person=person, area=person.area, token_hash=hash_token(token), expires_at=expires,
            created_by=user_or_none(by),
        )  # fmt: skip
        audit.record(audit.Action.CREATE, link, by=by, detail="portal link issued")
        record_event(person, "portal_link_issued",
                     _("Portal link issued by %(actor)s, valid until %(end)s")
                     % {"actor": actor(by), "end": end.isoformat()}, by=by)  # fmt: skip
        phone = person.phone
        if send and phone:
            url = portal_url(token)
            text = _("[防控] Your daily health report and service requests: %(url)s") % {"url": url}
            transaction.on_commit(lambda: get_gateway().send(phone, text))
    return IssuedLink(link, token)


def revoke_link(link: PortalLink, *, by: Actor) -> PortalLink:
    check(by, "home.manage", link.area, field="link")
    with transaction.atomic():
        link = PortalLink.objects.select_for_update().get(pk=link.pk)
        if link.revoked_at is None:
            link.revoked_at = timezone.now()
            link.save(update_fields=["revoked_at", "updated_at"])
            audit.record(audit.Action.UPDATE, link, by=by, detail="portal link revoked")
    return link


def resolve(token: str) -> PortalLink:
    """The link of ``token``; refuses an unknown, revoked or expired link (in the
    resident's language) and counts the use against the link's rate limit."""
    link = (
        PortalLink.objects.select_related("person", "area")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )
    if link is None:
        raise NotFound(_("This link is not valid. Ask your village for a new one."), field="link")
    if link.revoked_at is not None:
        raise PermissionDenied(
            _("This link was withdrawn. Ask your village for a new one."), field="link"
        )
    if link.expires_at < timezone.now():
        raise PermissionDenied(_("This link has expired: your control has ended."), field="link")
    ratelimit.hit(link, "portal.link")
    return link


class _LinkKey:
    """What the rate limit counts a link by (its primary key), without loading it."""

    def __init__(self, pk: int):
        self.pk = pk


def _refuse_link(revoked: Any, expires: Any) -> None:
    if revoked is not None:
        raise PermissionDenied(
            _("This link was withdrawn. Ask your village for a new one."), field="link"
        )
    if expires < timezone.now():
        raise PermissionDenied(_("This link has expired: your control has ended."), field="link")


def report_with_token(
    token: str,
    *,
    temperature: Any,
    symptoms: Any = (),
    for_person: int | None = None,
    at: dt.datetime | None = None,
) -> HealthReport:
    """``submit_report(resolve(token), ...)`` on the portal's hot path: the link, the home
    phase and the latest report read in one statement (``sql.report_context``), the report
    written by a cached INSERT; the same checks, errors and alerts. A report for a
    dependant, or one with fever or symptoms, takes the ordinary path."""
    from fangkong.areas.models import Area
    from fangkong.core.db import statements
    from fangkong.home_isolation import sql

    temp = clean_temperature(temperature)
    listed = clean_symptoms(symptoms)
    at = at or timezone.now()
    gap = dt.timedelta(minutes=settings.FANGKONG_REPORT_MIN_MINUTES)
    row = sql.report_context(hash_token(token or ""), at - gap)
    if row is None:
        raise NotFound(_("This link is not valid. Ask your village for a new one."), field="link")
    link_id, person_id, area_id, expires, revoked, phase_id, last_at, path = row
    _refuse_link(revoked, expires)
    ratelimit.hit(_LinkKey(link_id), "portal.link")
    if for_person not in (None, person_id):
        return submit_report(resolve_quietly(link_id), temperature=temp, symptoms=listed,
                             for_person=for_person, at=at)  # fmt: skip
    if phase_id is None:
        raise ValidationFailed(_("No home control in progress: no report is needed."),
                               field="person")  # fmt: skip
    if last_at is not None and last_at <= at:
        raise Conflict(
            _("A report was sent less than %(n)d minutes ago; no need to send it again.")
            % {"n": settings.FANGKONG_REPORT_MIN_MINUTES},
            field="temperature",
            code="too_soon",
        )
    _code, block = home_policy(timezone.localdate(at), Area(pk=area_id, path=path))
    fever = temp >= fever_threshold(block)
    if fever or set(block.get("alert_symptoms", [])) & set(listed):
        person = Person.objects.select_related("area").get(pk=person_id)
        phase = home_phase_of(person_id)
        return record_report(person, phase, temp, listed, at=at, reporter=person)
    report = HealthReport(
        person_id=person_id, area_id=area_id, phase_id=phase_id, at=at,
        day=timezone.localdate(at), window=window_at(at), temperature=temp, symptoms=listed,
        flagged=False, reported_by_id=person_id,
    )  # fmt: skip
    statements.insert(report)
    return report


def link_for_page(token: str) -> PortalLink | None:
    """The link of ``token`` to show its page again after a refused report (already
    checked and counted by the report)."""
    return (
        PortalLink.objects.select_related("person", "area")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )


def resolve_quietly(link_id: int) -> PortalLink:
    """A link already checked and counted, loaded with its person."""
    return PortalLink.objects.select_related("person", "area").get(pk=link_id)


def dependants(link: PortalLink) -> list[Person]:
    """Whom the link's person may report for: members of the same household in a home
    phase who are children, elderly, or have no phone of their own."""
    person = link.person
    if not person.household_id:
        return []
    others = list(
        Person.objects.filter(household_id=person.household_id, status=PersonStatus.ACTIVE)
        .exclude(pk=person.pk)
        .order_by("pk")
    )
    if not others:
        return []
    _code, block = home_policy(timezone.localdate(), link.area)
    today = timezone.localdate()
    phases = home_phases_of([p.pk for p in others])
    found = []
    for p in others:
        if p.pk not in phases:
            continue
        age = age_on(p.birth_date, today)
        if (
            not p.phone
            or (age is not None and age <= block.get("child_max_age", 14))
            or (age is not None and age >= block.get("elderly_age", 65))
        ):
            found.append(p)
    return found


def window_at(at: dt.datetime) -> str:
    """The report window the local time ``at`` falls in ("" between windows)."""
    t = timezone.localtime(at).strftime("%H:%M")
    for name, (start, end) in settings.FANGKONG_HOME_REPORT_WINDOWS.items():
        if start <= t < end:
            return name
    return ""


def clean_temperature(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or not TEMP_MIN <= value <= TEMP_MAX:
        raise ValidationFailed(
            _("Temperature: enter a number from 34 to 43 °C, e.g. 36.5."), field="temperature"
        )
    return value.quantize(Decimal("0.1"))


def clean_symptoms(raw: Any) -> list[str]:
    values = list(raw or [])
    bad = [s for s in values if s not in Symptom.values]
    if bad:
        raise ValidationFailed(_("Symptoms: unknown symptom."), field="symptoms")
    return sorted(set(values))


def submit_report(
    link: PortalLink,
    *,
    temperature: Any,
    symptoms: Any = (),
    for_person: int | None = None,
    at: dt.datetime | None = None,
    by: Actor | None = None,
) -> HealthReport:
    """One health report through the link (for its person, or a dependant it may report
    for). Refuses a bad temperature or symptom, someone else, a person no longer in a home
    phase, and a second report within 15 minutes; fever or a listed symptom raises an
    alert to the township's medical follow-up."""
    temp = clean_temperature(temperature)
    listed = clean_symptoms(symptoms)
    person = link.person
    if for_person is not None and for_person != person.pk:
        match = [d for d in dependants(link) if d.pk == for_person]
        if not match:
            raise NotFound(_("You cannot report for this person."), field="person")
        person = match[0]
    phase = home_phase_of(person.pk)
    if phase is None:
        raise ValidationFailed(_("No home control in progress: no report is needed."),
                               field="person")  # fmt: skip
    return record_report(person, phase, temp, listed, at=at, reporter=link.person, by=by)


def record_report(
    person: Person,
    phase: Any,
    temp: Decimal,
    listed: list[str],
    *,
    at: dt.datetime | None = None,
    reporter: Person | None = None,
    by: Actor | None = None,
) -> HealthReport:
    """Write a checked report (the portal's, or one a cadre enters after a phone call)."""
    if by is not None:
        check(by, "home.manage", person.area, field="person")
    at = at or timezone.now()
    gap = dt.timedelta(minutes=settings.FANGKONG_REPORT_MIN_MINUTES)
    if HealthReport.objects.filter(person=person, at__gt=at - gap, at__lte=at).exists():
        raise Conflict(
            _("A report was sent less than %(n)d minutes ago; no need to send it again.")
            % {"n": settings.FANGKONG_REPORT_MIN_MINUTES},
            field="temperature",
            code="too_soon",
        )
    _code, block = home_policy(timezone.localdate(at), person.area)
    alerting = set(block.get("alert_symptoms", []))
    fever = temp >= fever_threshold(block)
    flagged = fever or bool(alerting & set(listed))
    with transaction.atomic():
        report = HealthReport.objects.create(
            person=person, area_id=person.area_id, phase=phase, at=at,
            day=timezone.localdate(at), window=window_at(at), temperature=temp,
            symptoms=listed, flagged=flagged, reported_by=reporter, entered_by=user_or_none(by),
        )  # fmt: skip
        if flagged:
            raise_health_alert(report, fever=fever)
    return report
