"""The arrivals ledger (来返人员台账): entries from pre-registration, checkpoints, imports
and cadres, one pending entry per document number, each handed to the receiving village.

The same person registering twice updates the pending entry: the database refuses a second
pending entry for one document number (``one_pending_arrival_per_id``), so two
registrations at the same moment end as one entry, the later one's values kept."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.arrivals.choices import (
    NUMBERED_MODES,
    PLATE_MODES,
    ArrivalSource,
    ArrivalStatus,
    CodeColour,
    OriginRisk,
    TestResult,
    TravelMode,
)
from fangkong.arrivals.models import Arrival
from fangkong.arrivals.origins import OriginIndex
from fangkong.arrivals.services._common import Errors, clean_text
from fangkong.checkpoints.decisions import table_for
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.db import statements
from fangkong.core.notifications import notify, recipient_ids
from fangkong.core.pii import blind_index
from fangkong.people.choices import DocType, PersonStatus
from fangkong.people.idnumber import IdNumberError, normalise_id, parse_resident_id, validate_phone
from fangkong.people.models import Household, Person

REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
UPDATABLE = (
    "name", "doc_type", "phone", "origin_province", "origin_city", "origin_county",
    "origin_street", "travelled", "origin_area", "risk", "measure", "travel_mode",
    "travel_number", "plate", "arrival_date", "address", "area", "household", "person",
    "test_result", "code_colour", "ack_due_at", "notes",
)  # fmt: skip


@dataclass
class ArrivalData:
    name: str
    id_number: str
    phone: str
    origin_province: str
    arrival_date: dt.date | None
    area_id: int | None
    address: str
    doc_type: str = DocType.RESIDENT_ID
    origin_city: str = ""
    origin_county: str = ""
    origin_street: str = ""
    travelled: str = ""
    travel_mode: str = TravelMode.OTHER
    travel_number: str = ""
    plate: str = ""
    test_result: str = TestResult.NONE
    code_colour: str = CodeColour.GREEN
    notes: str = ""

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ArrivalData:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


def new_reference() -> str:
    return "LF" + "".join(secrets.choice(REF_ALPHABET) for _ in range(8))


def ack_due(arrival_date: dt.date, now: dt.datetime | None = None) -> dt.datetime:
    """When the village must have acknowledged: the setting's hours after the later of now
    and the start of the arrival day."""
    now = now or timezone.now()
    day_start = timezone.make_aware(dt.datetime.combine(arrival_date, dt.time.min))
    return max(now, day_start) + dt.timedelta(hours=settings.FANGKONG_ARRIVAL_ACK_HOURS)


def receiving_areas(ids: set[int]) -> dict[int, Area]:
    """The areas among ``ids`` an arrival may be handed to: villages, communities and
    below (estates, groups, buildings) of the county."""
    found = statements.fetch("arrivals.receiving_areas", _areas, sorted(ids))
    return {a.pk: a for a in found if a.level >= AreaLevel.VILLAGE}


# The look-ups below run on every pre-registration (hundreds a second in a return wave):
# compiled once through core.db.statements.fetch, then only re-bound.
def _areas(ids: list[int]) -> QuerySet[Area]:
    return Area.objects.filter(pk__in=ids)


def _persons(indexes: list[str]) -> QuerySet[Person]:
    return Person.objects.filter(
        id_number_index__in=indexes, status=PersonStatus.ACTIVE
    ).select_related("household__area")


def _homes(addresses: list[str]) -> QuerySet[Household]:
    return Household.objects.filter(address__in=addresses).select_related("area").order_by("pk")


def clean_id(errors: Errors, doc_type: str, value: Any, field: str = "id_number") -> str:
    if doc_type not in DocType.values:
        errors.add("doc_type", _("Unknown document type."))
        return ""
    number = normalise_id(str(value or ""))[:40]
    if not number:
        errors.add(field, _("This field is required."))
    elif doc_type == DocType.RESIDENT_ID:
        try:
            number = parse_resident_id(number).number
        except IdNumberError as exc:
            errors.add(field, str(exc))
    elif not (number.isascii() and number.isalnum() and 5 <= len(number) <= 20):
        errors.add(field, _("A document number has 5 to 20 letters and digits."))
    return number


def clean_phone(errors: Errors, value: Any, *, required: bool = True) -> str:
    try:
        phone = validate_phone(str(value or "")[:30])
    except IdNumberError as exc:
        errors.add("phone", str(exc))
        return ""
    if required and not phone:
        errors.add("phone", _("This field is required."))
    return phone


def clean_arrival(
    data: ArrivalData, errors: Errors, *, areas: dict[int, Area], today: dt.date
) -> dict[str, Any]:
    """One arrival's values checked; problems recorded in ``errors`` by field."""
    v: dict[str, Any] = {}
    v["name"] = clean_text(errors, "name", data.name, max_length=60, required=True)
    v["doc_type"] = data.doc_type
    v["id_number"] = clean_id(errors, data.doc_type, data.id_number)
    v["phone"] = clean_phone(errors, data.phone)
    v["origin_province"] = clean_text(errors, "origin_province", data.origin_province,
                                      max_length=30, required=True)  # fmt: skip
    v["origin_city"] = clean_text(errors, "origin_city", data.origin_city, max_length=30)
    v["origin_county"] = clean_text(errors, "origin_county", data.origin_county, max_length=30)
    v["origin_street"] = clean_text(errors, "origin_street", data.origin_street, max_length=60)
    v["travelled"] = clean_text(errors, "travelled", data.travelled, max_length=300)
    if data.travel_mode not in TravelMode.values:
        errors.add("travel_mode", _("Unknown travel mode."))
    v["travel_mode"] = data.travel_mode
    v["travel_number"] = clean_text(
        errors, "travel_number", data.travel_number, max_length=20
    ).upper()
    v["plate"] = clean_text(errors, "plate", data.plate, max_length=12).upper()
    if data.travel_mode in NUMBERED_MODES and not v["travel_number"]:
        errors.add("travel_number", _("A train or flight number is required for this travel mode."))
    if data.travel_mode in PLATE_MODES and not v["plate"]:
        errors.add("plate", _("A plate is required when coming by car."))
    window = settings.FANGKONG_ARRIVAL_DATE_WINDOW_DAYS
    if data.arrival_date is None:
        errors.add("arrival_date", _("This field is required."))
    elif not (
        today - dt.timedelta(days=window) <= data.arrival_date <= today + dt.timedelta(days=window)
    ):
        errors.add(
            "arrival_date",
            _("The arrival date must be within %(n)d days of today.") % {"n": window},
        )
    v["arrival_date"] = data.arrival_date
    area = areas.get(data.area_id) if data.area_id is not None else None
    if area is None:
        errors.add(
            "area",
            _(
                "Choose the village or community you go to in the county; places outside the county are not received here."
            ),
        )
    v["area"] = area
    v["address"] = clean_text(errors, "address", data.address, max_length=200, required=True)
    if data.test_result not in TestResult.values:
        errors.add("test_result", _("Unknown test result."))
    v["test_result"] = data.test_result
    if data.code_colour not in CodeColour.values:
        errors.add("code_colour", _("Unknown health code colour."))
    v["code_colour"] = data.code_colour
    v["notes"] = clean_text(errors, "notes", data.notes, max_length=300)
    return v


class Resolver:
    """Origin risk, measure, household and person of a batch of arrivals, loaded once."""

    def __init__(self, day: dt.date, provinces: set[str] | None = None):
        self.origins = OriginIndex(day, provinces)
        self.table = table_for(day)

    def complete(self, v: dict[str, Any]) -> dict[str, Any]:
        origin, risk = self.origins.find(
            v["origin_province"], v["origin_city"], v["origin_county"], v["origin_street"]
        )
        v["origin_area"] = origin
        v["risk"] = risk
        v["measure"] = self.table.arrival_measures.get(risk, "") if risk != OriginRisk.NONE else ""
        return v


def resolve_places(values: list[dict[str, Any]]) -> None:
    """The person (by document number, anywhere in the county) and the household (the
    person's, else one at the same address in the receiving village) of each arrival; the
    arrival's area becomes the household's (a group or building under the village)."""
    indexes = sorted({blind_index(v["id_number"]) for v in values if v.get("id_number")})
    persons: dict[str, Person] = {}
    for p in statements.fetch("arrivals.persons", _persons, indexes):
        persons.setdefault(p.id_number_index, p)
    addresses = sorted({v["address"] for v in values})
    homes: dict[str, list[Household]] = defaultdict(list)
    for h in statements.fetch("arrivals.homes", _homes, addresses):
        homes[h.address].append(h)
    for v in values:
        person = persons.get(blind_index(v["id_number"]))
        v["person"] = person
        household = person.household if person is not None else None
        area = v["area"]
        if household is None or not household.area.path.startswith(area.path):
            household = next(
                (h for h in homes.get(v["address"], ()) if h.area.path.startswith(area.path)), None
            )
        v["household"] = household
        if household is not None:
            v["area"] = household.area


def _notify_villages(arrivals: list[Arrival]) -> None:
    by_area: dict[int, list[Arrival]] = defaultdict(list)
    for a in arrivals:
        by_area[a.area_id].append(a)
    for items in by_area.values():
        area = items[0].area
        told = recipient_ids("arrival.acknowledge", area)
        if not told:
            continue
        url = (
            items[0].get_absolute_url()
            if len(items) == 1
            else reverse("arrivals:arrival_list")
            + f"?area={area.pk}&status={ArrivalStatus.PENDING}"
        )
        title = _("%(n)d arrival(s) handed over to %(area)s: acknowledge by %(due)s") % {
            "n": len(items),
            "area": area.name,
            "due": timezone.localtime(min(a.ack_due_at for a in items)).strftime("%m-%d %H:%M"),
        }
        notify(told, kind="arrival_handover", title=title, url=url, area=area)


def _write_one(values: dict[str, Any], source: str, by: Actor | None) -> tuple[Arrival, bool]:
    """Insert the arrival, or update the person's pending one; (arrival, created)."""
    actor = by if getattr(by, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            arrival = Arrival(reference=new_reference(), source=source, created_by=actor, **values)
            # one statement each, built once: a return wave writes hundreds a second
            statements.insert(arrival, pk=True)
            audit.insert(audit.build(audit.Action.CREATE, arrival, by=by,
                                     after=audit.snapshot(arrival)))  # fmt: skip
            return arrival, True
    except IntegrityError:
        pass  # a pending entry for this number exists (or was written concurrently)
    with transaction.atomic():
        arrival = Arrival.objects.select_for_update().get(
            id_number_index=blind_index(values["id_number"]), status=ArrivalStatus.PENDING
        )
        before = audit.snapshot(arrival)
        for k in UPDATABLE:
            if k in values:
                setattr(arrival, k, values[k])
        arrival.save()
        audit.record(audit.Action.UPDATE, arrival, by=by, before=before,
                     after=audit.snapshot(arrival), detail=f"registered again ({source})")  # fmt: skip
        return arrival, False


def register_arrival(data: ArrivalData, *, source: str, by: Actor | None) -> tuple[Arrival, bool]:
    """Put one arrival in the ledger, handed to the receiving village; a pending entry of
    the same document number is updated instead. ``by=None`` is the public
    pre-registration. Returns (arrival, created)."""
    if by is not None:
        from fangkong.core.permissions import require, require_area

        require(by, "arrival.manage")
    today = timezone.localdate()
    errors = Errors()
    areas = receiving_areas({data.area_id} if isinstance(data.area_id, int) else set())
    values = clean_arrival(data, errors, areas=areas, today=today)
    errors.raise_if_any()
    if by is not None:
        require_area(by, values["area"])
    Resolver(values["arrival_date"], {values["origin_province"]}).complete(values)
    resolve_places([values])
    values["ack_due_at"] = ack_due(values["arrival_date"])
    with transaction.atomic():
        arrival, created = _write_one(values, source, by)
        if created:
            _notify_villages([arrival])
    return arrival, created


def preregister(data: ArrivalData) -> tuple[Arrival, bool]:
    """The public pre-registration (返乡报备): no account; the reference number is the
    registrant's receipt."""
    return register_arrival(data, source=ArrivalSource.PREREGISTRATION, by=None)


def record_arrivals(values: list[dict[str, Any]], *, source: str, by: Actor) -> list[Arrival]:
    """Arrivals from a batch (a checkpoint upload, an import, returns expected), values
    already checked (``clean_arrival``) and completed (``Resolver``): new ones inserted at
    once, pending ones of the same numbers updated; one audit row for the batch. Call inside
    the caller's transaction. Returns the arrivals in the order of ``values``."""
    if not values:
        return []
    resolve_places(values)
    now = timezone.now()
    actor = by if getattr(by, "is_authenticated", False) else None
    for v in values:
        v["ack_due_at"] = ack_due(v["arrival_date"], now)
    keys = [blind_index(v["id_number"]) for v in values]
    pending = {
        a.id_number_index: a
        for a in Arrival.objects.select_for_update().filter(
            id_number_index__in=set(keys), status=ArrivalStatus.PENDING
        )
    }
    out: list[Arrival | None] = [None] * len(values)
    new: list[tuple[int, Arrival]] = []
    seen: dict[str, Arrival] = {}
    for i, (k, v) in enumerate(zip(keys, values, strict=True)):
        existing = pending.get(k) or seen.get(k)
        if existing is not None:
            for f in UPDATABLE:
                if f in v:
                    setattr(existing, f, v[f])
            if existing.pk:
                existing.save()
            out[i] = existing
            continue
        a = Arrival(reference=new_reference(), source=source, created_by=actor, **v)
        seen[k] = a
        new.append((i, a))
        out[i] = a
    if new:
        try:
            with transaction.atomic():
                Arrival.objects.bulk_create([a for _, a in new])
        except IntegrityError:  # a concurrent registration of one of these numbers
            for i, a in new:
                out[i] = _write_one({f: getattr(a, f) for f in (*UPDATABLE, "id_number")},
                                    source, by)[0]  # fmt: skip
    created = [a for _, a in new if a.pk]
    audit.record(
        audit.Action.IMPORT,
        by=by,
        object_type=Arrival._meta.label_lower,
        object_repr=f"{len(values)} arrivals ({source})",
        detail=f"{len(created)} new, {len(values) - len(created)} updated",
    )
    if created:
        _notify_villages(created)
    return [a for a in out if a is not None]
