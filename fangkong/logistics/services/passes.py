"""Freight passes (重点物资运输车辆通行证): one vehicle, one pass, one route.

A pass number has 12 digits: the issuing county's 6-digit administrative code and a
6-digit serial. The shipper or the receiver applies; the crew's tests must be within 48
hours when the pass is applied for and approved (an expired test is refused: the driver
retests before applying, never waits at the checkpoint). The command centre approves,
refuses or revokes, always with a reason for the last two. The checkpoint's fast lane
(``verify_freight_pass``) answers valid, expired, not yet valid or revoked at once, from the
unique index on the number. Drivers are never held for a result."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.db import statements
from fangkong.core.errors import Conflict, ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.logistics import sql
from fangkong.logistics.choices import ApplicantRole, GoodsClass, PassStatus, Verdict
from fangkong.logistics.models import CrewMember, FreightPass, PassCheck
from fangkong.logistics.states import PassMachine
from fangkong.people.idnumber import IdNumberError, normalise_id, parse_resident_id, validate_phone

NUMBER_RE = re.compile(r"^\d{12}$")
# 京A12345, 渝A·1234学, new-energy 渝AD12345; letters O and I are not used on plates
PLATE_RE = re.compile(r"^[\u4e00-\u9fa5][A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,6}[\u4e00-\u9fa5]?$")
TEST_HOURS = 48
MAX_VALID_DAYS = 30  # the province sets it; a pass of more than a month is refused
MAX_CREW = 4


def check_number(number: str, *, field: str = "number") -> str:
    """A pass number as printed: 12 digits (6-digit admin code + 6-digit serial)."""
    n = "".join((number or "").split())
    if not NUMBER_RE.match(n):
        raise ValidationFailed(
            _("A pass number has 12 digits: the 6-digit administrative code and a 6-digit "
              "serial."),
            field=field,
        )  # fmt: skip
    return n


def normalise_plate(plate: str) -> str:
    return "".join((plate or "").split()).replace("·", "").replace("•", "").upper()


@dataclass
class CrewData:
    name: str
    id_number: str
    phone: str
    tested_at: dt.datetime


@dataclass
class PassApplication:
    area: Any  # where it is applied for; its code's first 6 digits are the county's
    applicant_name: str
    applicant_role: str
    applicant_phone: str
    goods_class: str
    goods: str
    plate: str
    origin: str
    destination: str
    valid_from: dt.date
    valid_to: dt.date
    crew: list[CrewData]
    trailer_plate: str = ""
    route: str = ""


def _check_crew(crew: list[CrewData], now: dt.datetime, errors: dict[str, list[str]]) -> list[dict]:
    if not crew:
        errors.setdefault("crew", []).append(_("At least the driver."))
        return []
    if len(crew) > MAX_CREW:
        errors.setdefault("crew", []).append(_("At most %(n)d crew.") % {"n": MAX_CREW})
    out = []
    for i, c in enumerate(crew, start=1):
        key = f"crew.{i}"
        name = (c.name or "").strip()
        if not name or len(name) > 60:
            errors.setdefault(key, []).append(_("A name of 1 to 60 characters."))
        number = normalise_id(c.id_number or "")
        try:
            parse_resident_id(number)
        except IdNumberError as exc:
            errors.setdefault(key, []).append(str(exc))
        try:
            phone = validate_phone(c.phone or "")
        except IdNumberError as exc:
            errors.setdefault(key, []).append(str(exc))
            phone = ""
        if c.tested_at is None or c.tested_at > now:
            errors.setdefault(key, []).append(
                _("The time of the test is missing or in the future.")
            )
        elif now - c.tested_at > dt.timedelta(hours=TEST_HOURS):
            errors.setdefault(key, []).append(
                _("%(name)s's test is older than %(h)d hours: test again before applying.")
                % {"name": name, "h": TEST_HOURS}
            )
        out.append({"name": name, "id_number": number, "phone": phone, "tested_at": c.tested_at})
    return out


def _next_number(code: str) -> str:
    last = FreightPass.objects.filter(number__startswith=code).aggregate(m=Max("number"))["m"]
    serial = int(last[6:]) + 1 if last else 1
    if serial > 999_999:
        raise Conflict(_("The serials of this county are used up."), field="number")
    return f"{code}{serial:06d}"


@transaction.atomic
def apply(*, by: Actor, data: PassApplication) -> FreightPass:
    """Apply for a pass for one vehicle on one route. Refused, naming the field: a plate out
    of format, an articulated truck without its tractor's plate, a crew test older than 48
    hours, a validity out of order or too long, a county not at county level."""
    require(by, "freight_pass.apply")
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    area = data.area
    if area is None or not re.match(r"\d{6}", getattr(area, "code", "") or ""):
        errors.setdefault("area", []).append(
            _("An area whose code starts with its county's 6-digit administrative code.")
        )
    if data.applicant_role not in ApplicantRole.values:
        errors.setdefault("applicant_role", []).append(_("The shipper or the receiver applies."))
    name = (data.applicant_name or "").strip()
    if not name or len(name) > 100:
        errors.setdefault("applicant_name", []).append(_("A name of 1 to 100 characters."))
    try:
        phone = validate_phone(data.applicant_phone or "")
    except IdNumberError as exc:
        errors.setdefault("applicant_phone", []).append(str(exc))
        phone = ""
    if data.goods_class not in GoodsClass.values:
        errors.setdefault("goods_class", []).append(_("Unknown goods class."))
    goods = (data.goods or "").strip()
    if not goods:
        errors.setdefault("goods", []).append(_("Say what is carried."))
    plate = normalise_plate(data.plate)
    if not PLATE_RE.match(plate):
        errors.setdefault("plate", []).append(
            _("A plate such as 渝A12345; for an articulated truck, the tractor's plate.")
        )
    trailer = normalise_plate(data.trailer_plate)
    if trailer and not (trailer.endswith("挂") and PLATE_RE.match(trailer)):
        errors.setdefault("trailer_plate", []).append(_("A trailer plate ends in 挂."))
    if plate.endswith("挂"):
        errors.setdefault("plate", []).append(
            _("This is a trailer's plate: give the tractor's plate (the trailer's goes below).")
        )
    for key in ("origin", "destination"):
        value = (getattr(data, key) or "").strip()
        if not value or len(value) > 60 or not re.search(r"(县|区|市|旗)$", value):
            errors.setdefault(key, []).append(
                _("To county level, e.g. 重庆市酉阳县 (ending in 县, 区, 市 or 旗).")
            )
    if data.valid_to < data.valid_from:
        errors.setdefault("valid_to", []).append(_("The pass ends before it starts."))
    elif (data.valid_to - data.valid_from).days + 1 > MAX_VALID_DAYS:
        errors.setdefault("valid_to", []).append(_("At most %(n)d days.") % {"n": MAX_VALID_DAYS})
    if data.valid_to < timezone.localdate(now):
        errors.setdefault("valid_to", []).append(_("The pass would end in the past."))
    crew = _check_crew(data.crew, now, errors)
    if not errors and FreightPass.objects.filter(
        plate=plate, status__in=[PassStatus.APPLIED, PassStatus.APPROVED],
        valid_to__gte=data.valid_from, valid_from__lte=data.valid_to,
    ).exists():  # fmt: skip
        errors.setdefault("plate", []).append(
            _("One vehicle, one pass: this vehicle has a pass for these days already.")
        )
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    require_area(by, area)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                fp = FreightPass.objects.create(
                    number=_next_number(area.code[:6]), area=area, applicant_name=name,
                    applicant_role=data.applicant_role, applicant_phone=phone,
                    goods_class=data.goods_class, goods=goods[:100], plate=plate,
                    trailer_plate=trailer, origin=data.origin.strip(),
                    destination=data.destination.strip(), route=(data.route or "").strip()[:200],
                    valid_from=data.valid_from, valid_to=data.valid_to, created_by=by,
                )  # fmt: skip
            break
        except IntegrityError:  # a concurrent application took the serial
            continue
    else:
        raise Conflict(_("Please try again."), field="number")
    CrewMember.objects.bulk_create([CrewMember(freight_pass=fp, **c) for c in crew])
    audit.record(audit.Action.CREATE, fp, by=by, after=audit.snapshot(fp))
    return fp


def _locked(fp: FreightPass, by: Actor) -> FreightPass:
    require(by, "freight_pass.decide")
    require_area(by, fp.area, field="freight_pass")
    return FreightPass.objects.select_for_update().get(pk=fp.pk)


@transaction.atomic
def approve(fp: FreightPass, *, by: Actor) -> FreightPass:
    """Approve: the crew's tests must still be within 48 hours."""
    p = _locked(fp, by)
    PassMachine.check(p, PassStatus.APPROVED)
    now = timezone.now()
    stale = [c.name for c in p.crew.all() if now - c.tested_at > dt.timedelta(hours=TEST_HOURS)]
    if stale:
        raise ValidationFailed(
            _("The crew's test is older than %(h)d hours (%(n)s): refuse or ask for a new test.")
            % {"h": TEST_HOURS, "n": "、".join(stale)},
            field="crew",
        )
    PassMachine.perform(p, PassStatus.APPROVED, by=by, also={"reason": ""})
    return p


def _with_reason(fp: FreightPass, to: str, reason: str, *, by: Actor) -> FreightPass:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("A reason is required."), field="reason")
    p = _locked(fp, by)
    PassMachine.perform(p, to, by=by, also={"reason": reason[:200]}, detail=reason[:200])
    return p


@transaction.atomic
def refuse(fp: FreightPass, *, by: Actor, reason: str) -> FreightPass:
    return _with_reason(fp, PassStatus.REFUSED, reason, by=by)


@transaction.atomic
def revoke(fp: FreightPass, *, by: Actor, reason: str) -> FreightPass:
    return _with_reason(fp, PassStatus.REVOKED, reason, by=by)


@dataclass(frozen=True)
class PassVerification:
    verdict: str
    label: str
    number: str
    plate: str = ""
    goods_class: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    origin: str = ""
    destination: str = ""
    reason: str = ""

    @property
    def valid(self) -> bool:
        return self.verdict == Verdict.VALID


def verdict_of(status: str, valid_from: dt.date, valid_to: dt.date, today: dt.date) -> str:
    if status == PassStatus.REVOKED:
        return Verdict.REVOKED
    if status != PassStatus.APPROVED:
        return Verdict.NOT_APPROVED
    if today > valid_to:
        return Verdict.EXPIRED
    if today < valid_from:
        return Verdict.NOT_YET
    return Verdict.VALID


PASS_QR_PREFIX = "FKF:"  # noqa: S105 - a QR prefix, not a secret


def verify_freight_pass(
    number: str,
    *,
    area: Any = None,
    checkpoint: str = "",
    shift: Any = None,
    today: dt.date | None = None,
) -> PassVerification:
    """The fast lane: the verdict for a scanned or typed pass number, from one indexed
    look-up; with ``area`` (the checkpoint's) the check is recorded (vehicles passed),
    against the officer's open ``shift`` when there is one. A number out of format is
    refused (ValidationFailed on ``number``)."""
    raw = (number or "").strip()
    if raw.startswith(PASS_QR_PREFIX):
        raw = raw[len(PASS_QR_PREFIX) :]
    n = check_number(raw)
    today = today or timezone.localdate()
    row = sql.pass_by_number(n)
    if row is None:
        v = PassVerification(Verdict.UNKNOWN, str(Verdict.UNKNOWN.label), n)
        pk = None
    else:
        pk, status, vf, vt, plate, goods, origin, dest, reason = row
        # SQLite hands dates back as text from a hand-written statement
        vf, vt = _date(vf), _date(vt)
        verdict = verdict_of(status, vf, vt, today)
        v = PassVerification(verdict, str(Verdict(verdict).label), n, plate, goods, vf, vt,
                             origin, dest, reason if verdict == Verdict.REVOKED else "")  # fmt: skip
    if area is not None:  # the check is its own record: one cached INSERT, no audit row
        statements.insert(
            PassCheck(at=timezone.now(), number=n, freight_pass_id=pk, verdict=v.verdict,
                      area=area, checkpoint=(checkpoint or "")[:100], shift=shift)
        )  # fmt: skip
    return v


def verify_at_checkpoint(number: str, *, checkpoint: Any, by: Actor) -> PassVerification:
    """The fast lane on a checkpoint's phone page: recorded at ``checkpoint`` (its area and
    name), against the officer's open shift when that shift is at this checkpoint."""
    from fangkong.checkpoints.selectors import open_shift

    require(by, "freight_pass.verify")
    require_area(by, checkpoint.area, field="checkpoint")
    if not checkpoint.active:
        raise ValidationFailed(_("This checkpoint is closed."), field="checkpoint")
    shift = open_shift(by)
    if shift is not None and shift.checkpoint_id != checkpoint.pk:
        shift = None
    return verify_freight_pass(
        number, area=checkpoint.area, checkpoint=checkpoint.name, shift=shift
    )


def verify_on_shift(number: str, *, by: Actor, checkpoint: str = "") -> PassVerification:
    """The fast lane from the scan page or the API: recorded against the officer's open
    shift (its checkpoint's area and name) when there is one, else in the user's widest
    area under the ``checkpoint`` name given."""
    from fangkong.checkpoints.selectors import open_shift

    require(by, "freight_pass.verify")
    shift = open_shift(by)
    if shift is not None:
        cp = shift.checkpoint
        return verify_freight_pass(number, area=cp.area, checkpoint=cp.name, shift=shift)
    area = by.areas.order_by("depth").first()
    return verify_freight_pass(number, area=area, checkpoint=checkpoint)


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
