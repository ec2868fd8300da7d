"""The checkpoint phone's batch upload (as the sampling upload does it): vehicles and the
persons in them, each with the phone's own id (``client_uuid``). A batch sent twice records
once; a bad row is reported with its place, field and reason and the good rows are kept;
every person's outcome comes from the decision table in force (policy data); a person
headed for the county becomes an arrival in the ledger, handed to the receiving village.

Built for volume: every row is checked in Python against what a few queries per batch
loaded (client ids already recorded, the risk areas in force, the receiving areas), then
vehicles and persons are inserted in bulk in one transaction, with one audit row."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.arrivals.choices import ArrivalSource, CodeColour, TestResult, TravelMode
from fangkong.arrivals.origins import OriginIndex
from fangkong.arrivals.services._common import Errors, clean_text
from fangkong.arrivals.services.arrivals import (
    clean_id,
    clean_phone,
    receiving_areas,
    record_arrivals,
)
from fangkong.checkpoints.choices import Outcome, VehicleKind
from fangkong.checkpoints.decisions import Facts, table_for
from fangkong.checkpoints.models import Checkpoint, PersonCheck, VehicleCheck
from fangkong.checkpoints.services.checkpoints import check_inspector
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.people.choices import DocType

PAST = dt.timedelta(days=7)
FUTURE_SLACK = dt.timedelta(minutes=10)
MAX_VEHICLES = 500
MAX_PERSONS = 80  # a coach's seats and more
TEMP_RANGE = (Decimal("34.0"), Decimal("43.0"))


@dataclass
class RowProblem:
    vehicle: int
    person: int | None
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"vehicle": self.vehicle, "person": self.person, "field": self.field,
                "message": str(self.message)}  # fmt: skip


@dataclass
class UploadReport:
    vehicles: int = 0
    persons: int = 0
    already_recorded: int = 0
    arrivals: int = 0
    outcomes: dict[str, str] = field(default_factory=dict)  # person client_uuid -> outcome
    errors: list[RowProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "vehicles": self.vehicles,
            "persons": self.persons,
            "already_recorded": self.already_recorded,
            "arrivals": self.arrivals,
            "outcomes": self.outcomes,
            "errors": [e.as_dict() for e in self.errors],
        }


def _row(row: Any) -> dict[str, Any]:
    if isinstance(row, dict):
        return row
    return getattr(row, "__dict__", None) or {}


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def _when(value: Any, now: dt.datetime) -> dt.datetime | None:
    try:
        t = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = timezone.make_aware(t)
    return t if now - PAST <= t <= now + FUTURE_SLACK else None


def _plate(errors: Errors, name: str, value: Any, required: bool) -> str:
    s = "".join(str(value or "").split()).upper()
    if required and not s:
        errors.add(name, _("This field is required."))
    elif s and not (2 <= len(s) <= 12):
        errors.add(name, _("A plate has 2 to 12 characters."))
    return clean_text(errors, name, s, max_length=12)


class _Batch:
    def __init__(self, cp: Checkpoint, by: Actor, vehicles: Sequence[Any]):
        self.cp, self.by, self.now = cp, by, timezone.now()
        self.day = timezone.localdate(self.now)
        self.table = table_for(self.day)
        self.origins = OriginIndex(self.day)
        rows = [_row(v) for v in vehicles]
        self.vehicles = rows
        self.persons = [[_row(p) for p in (v.get("persons") or [])] for v in rows]
        v_ids = {u for v in rows if (u := _uuid(v.get("client_uuid")))}
        p_ids = {u for ps in self.persons for p in ps if (u := _uuid(p.get("client_uuid")))}
        self.known_v = set(
            VehicleCheck.objects.filter(client_uuid__in=v_ids).values_list("client_uuid", flat=True)
        )
        self.known_p = set(
            PersonCheck.objects.filter(client_uuid__in=p_ids).values_list("client_uuid", flat=True)
        )
        area_ids = {int(a) for ps in self.persons for p in ps
                    if isinstance(a := p.get("destination_area_id"), int | str) and str(a).isdigit()}  # fmt: skip
        self.areas = receiving_areas(area_ids)


def _person(
    b: _Batch, p: dict[str, Any], when: dt.datetime, errors: Errors
) -> dict[str, Any] | None:
    """One person's values and outcome, or None (problems in ``errors``)."""
    v: dict[str, Any] = {}
    v["client_uuid"] = u = _uuid(p.get("client_uuid"))
    if u is None:
        errors.add("client_uuid", _("Not a valid entry id (UUID)."))
    v["name"] = clean_text(errors, "name", p.get("name"), max_length=60, required=True)
    v["doc_type"] = doc = p.get("doc_type") or DocType.RESIDENT_ID
    v["id_number"] = clean_id(errors, doc, p.get("id_number"))
    v["phone"] = clean_phone(errors, p.get("phone"))
    v["driver"] = bool(p.get("driver"))
    parts = [clean_text(errors, f"origin_{k}", p.get(f"origin_{k}"), max_length=30 if k != "street" else 60,
                        required=k == "province") for k in ("province", "city", "county", "street")]  # fmt: skip
    v["origin"] = "".join(parts)[:150]
    v["code_colour"] = p.get("code_colour")
    if v["code_colour"] not in CodeColour.values:
        errors.add("code_colour", _("Unknown health code colour."))
    v["test_48h"] = bool(p.get("test_48h"))
    v["itinerary_star"] = bool(p.get("itinerary_star"))
    try:
        t = Decimal(str(p.get("temperature"))).quantize(Decimal("0.1"))
        if not (TEMP_RANGE[0] <= t <= TEMP_RANGE[1]):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.add("temperature", _("A body temperature between 34.0 and 43.0 °C."))
        t = Decimal("0")
    v["temperature"] = t
    dest = p.get("destination_area_id")
    area = None
    if dest not in (None, ""):
        area = b.areas.get(int(str(dest))) if str(dest).isdigit() else None
        if area is None:
            errors.add("destination_area_id", _("Not a village or community of the county."))
    v["destination"] = area
    address = clean_text(errors, "address", p.get("address"), max_length=200)
    if errors.fields:
        return None
    _o, risk = b.origins.find(*parts)
    v["risk"] = risk
    rule = b.table.decide(Facts(v["driver"], v["code_colour"], v["test_48h"], v["itinerary_star"],
                                t, risk, area is not None))  # fmt: skip
    v["outcome"], v["rule"] = rule.outcome, rule.id
    v["checked_at"] = when
    v["_arrival"] = None
    if area is not None and rule.outcome != Outcome.TURN_BACK:
        v["_arrival"] = {
            "name": v["name"], "doc_type": doc, "id_number": v["id_number"], "phone": v["phone"],
            "origin_province": parts[0], "origin_city": parts[1], "origin_county": parts[2],
            "origin_street": parts[3], "travelled": "", "origin_area": _o, "risk": risk,
            "measure": b.table.arrival_measures.get(risk, "") if _o else "",
            "travel_mode": TravelMode.COACH if p.get("_kind") == "coach" else TravelMode.CAR,
            "travel_number": "", "plate": p.get("_plate", ""), "arrival_date": timezone.localdate(when),
            "area": area, "address": address or area.name,
            "test_result": TestResult.NEGATIVE_48H if v["test_48h"] else TestResult.NONE,
            "code_colour": v["code_colour"], "notes": "",
        }  # fmt: skip
    return v


def _plan(b: _Batch, report: UploadReport) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    planned = []
    for i, (raw, persons) in enumerate(zip(b.vehicles, b.persons, strict=True)):
        errors = Errors()
        u = _uuid(raw.get("client_uuid"))
        if u is None:
            errors.add("client_uuid", _("Not a valid entry id (UUID)."))
        elif u in b.known_v:
            report.already_recorded += len(persons) or 1
            continue
        when = _when(raw.get("checked_at"), b.now)
        if when is None:
            errors.add("checked_at", _("Not a time within the last 7 days."))
        kind = raw.get("kind")
        if kind not in VehicleKind.values:
            errors.add("kind", _("Unknown vehicle kind."))
        plate = _plate(errors, "plate", raw.get("plate"), True)
        tractor = _plate(
            errors, "tractor_plate", raw.get("tractor_plate"), kind == VehicleKind.ARTICULATED
        )
        if not persons:
            errors.add("persons", _("Record every person in the vehicle, the driver too."))
        elif len(persons) > MAX_PERSONS:
            errors.add("persons", _("At most %(n)d persons in one vehicle.") % {"n": MAX_PERSONS})
        if errors.fields:
            report.errors += [
                RowProblem(i, None, f, m) for f, ms in errors.fields.items() for m in ms
            ]
            continue
        vehicle = {"client_uuid": u, "checked_at": when, "plate": plate, "tractor_plate": tractor,
                   "kind": kind, "freight": bool(raw.get("freight"))}  # fmt: skip
        good = []
        for j, p in enumerate(persons):
            pu = _uuid(p.get("client_uuid"))
            if pu is not None and pu in b.known_p:
                report.already_recorded += 1
                continue
            perrors = Errors()
            v = _person(b, {**p, "_kind": kind, "_plate": tractor or plate}, when or b.now, perrors)
            if v is None:
                report.errors += [
                    RowProblem(i, j, f, m) for f, ms in perrors.fields.items() for m in ms
                ]
            else:
                good.append(v)
        if good:
            planned.append((vehicle, good))
    return planned


def _write(
    b: _Batch, planned: list[tuple[dict[str, Any], list[dict[str, Any]]]], report: UploadReport
) -> None:
    vehicles = [VehicleCheck(checkpoint=b.cp, by=b.by, persons=len(ps), **v) for v, ps in planned]
    VehicleCheck.objects.bulk_create(vehicles)
    wanted = [(i, p) for i, (_v, ps) in enumerate(planned) for p in ps]
    arrivals_in = [p["_arrival"] for _i, p in wanted if p["_arrival"] is not None]
    arrivals = iter(record_arrivals(arrivals_in, source=ArrivalSource.CHECKPOINT, by=b.by))
    checks = []
    for i, p in wanted:
        arrival = next(arrivals) if p["_arrival"] is not None else None
        values = {k: val for k, val in p.items() if not k.startswith("_")}
        checks.append(PersonCheck(vehicle=vehicles[i], checkpoint=b.cp, arrival=arrival, **values))
        report.outcomes[str(p["client_uuid"])] = p["outcome"]
    PersonCheck.objects.bulk_create(checks)
    report.vehicles += len(vehicles)
    report.persons += len(checks)
    report.arrivals += len(arrivals_in)


def upload_batch(cp: Checkpoint, *, vehicles: Sequence[Any], by: Actor) -> UploadReport:
    """Record a phone's batch of vehicles and persons. Idempotent by ``client_uuid``; bad
    rows reported (vehicle index, person index, field, reason), good rows kept."""
    check_inspector(by, cp)
    if len(vehicles) > MAX_VEHICLES:
        from fangkong.core.errors import ValidationFailed

        raise ValidationFailed(
            _("At most %(n)d vehicles in one batch.") % {"n": MAX_VEHICLES}, field="vehicles"
        )
    for attempt in range(2):
        report = UploadReport()
        b = _Batch(cp, by, vehicles)
        planned = _plan(b, report)
        try:
            with transaction.atomic():
                if planned:
                    _write(b, planned, report)
                    audit.record(
                        audit.Action.IMPORT, by=by, object_type=PersonCheck._meta.label_lower,
                        object_repr=f"upload @ {cp}",
                        detail=(f"checkpoint upload: {report.vehicles} vehicles, {report.persons} "
                                f"persons, {report.already_recorded} already recorded, "
                                f"{len(report.errors)} bad rows"),
                    )  # fmt: skip
            return report
        except IntegrityError:  # the same batch sent twice at once: the other one won
            if attempt:
                raise
    return report  # pragma: no cover
