"""Risk areas elsewhere (外地风险区): kept by hand and by Excel import, versioned."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.arrivals import sheet
from fangkong.arrivals.choices import RiskLevel
from fangkong.arrivals.models import OriginArea
from fangkong.arrivals.origins import ORIGINS
from fangkong.arrivals.services._common import Errors, check_rows, clean_text
from fangkong.core import audit, counts
from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require

LEVEL_WORDS = {"高": RiskLevel.HIGH, "高风险": RiskLevel.HIGH, "高风险区": RiskLevel.HIGH,
               "high": RiskLevel.HIGH, "低": RiskLevel.LOW, "低风险": RiskLevel.LOW,
               "低风险区": RiskLevel.LOW, "low": RiskLevel.LOW}  # fmt: skip


@dataclass
class OriginData:
    level: str
    province: str
    city: str = ""
    county: str = ""
    street: str = ""
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    source: str = ""


def _clean(data: OriginData, errors: Errors, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    level = LEVEL_WORDS.get(str(data.level or "").strip().lower())
    if level is None:
        errors.add(prefix + "level", _("The risk level is high or low."))
    out["level"] = level
    out["province"] = clean_text(
        errors, prefix + "province", data.province, max_length=30, required=True
    )
    out["city"] = clean_text(errors, prefix + "city", data.city, max_length=30)
    out["county"] = clean_text(errors, prefix + "county", data.county, max_length=30)
    out["street"] = clean_text(errors, prefix + "street", data.street, max_length=60)
    if out["street"] and not out["county"]:
        errors.add(prefix + "county", _("A street needs its county."))
    if out["county"] and not out["city"]:
        errors.add(prefix + "city", _("A county needs its city."))
    if data.effective_from is None and prefix + "effective_from" not in errors.fields:
        errors.add(prefix + "effective_from", _("This field is required."))
    if data.effective_from and data.effective_to and data.effective_to < data.effective_from:
        errors.add(prefix + "effective_to", _("The end is before the start."))
    out["effective_from"] = data.effective_from
    out["effective_to"] = data.effective_to
    out["source"] = clean_text(errors, prefix + "source", data.source, max_length=200)
    return out


def _current(values: dict[str, Any]) -> OriginArea | None:
    return (
        OriginArea.objects.select_for_update()
        .filter(
            superseded_at__isnull=True,
            province=values["province"],
            city=values["city"],
            county=values["county"],
            street=values["street"],
        )
        .first()
    )


def _save(values: dict[str, Any], by: Actor) -> tuple[OriginArea, bool]:
    """A new version of the place's entry (the current one closed), or the current one
    unchanged when nothing differs. Returns (entry, changed)."""
    old = _current(values)
    keys = ("level", "effective_from", "effective_to", "source")
    if old is not None and all(getattr(old, k) == values[k] for k in keys):
        return old, False
    now = timezone.now()
    new = OriginArea(
        **values,
        version=(old.version + 1) if old else 1,
        previous=old,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    if old is not None:
        OriginArea.objects.filter(pk=old.pk).update(superseded_at=now)
    new.save()
    counts.changed(ORIGINS)  # the registrations' look-up reads the list afresh
    audit.record(
        audit.Action.UPDATE if old else audit.Action.CREATE,
        new,
        by=by,
        before=audit.snapshot(old),
        after=audit.snapshot(new),
    )
    return new, True


@transaction.atomic
def save_origin(data: OriginData, *, by: Actor) -> OriginArea:
    """Declare (or change) a risk area elsewhere: a change is a new version."""
    require(by, "origin.manage")
    errors = Errors()
    values = _clean(data, errors)
    errors.raise_if_any()
    return _save(values, by)[0]


@transaction.atomic
def end_origin(origin: OriginArea, *, on: dt.date, by: Actor) -> OriginArea:
    """The area stops being a risk area after ``on``: a new version with that end date."""
    require(by, "origin.manage")
    if origin.superseded_at is not None:
        raise ValidationFailed(_("This is an old version; change the current one."), field="origin")
    if on < origin.effective_from:
        raise ValidationFailed(_("The end is before the start."), field="effective_to")
    values = {f: getattr(origin, f) for f in ("level", "province", "city", "county", "street",
                                               "effective_from", "source")}  # fmt: skip
    values["effective_to"] = on
    return _save(values, by)[0]


COLUMNS = {
    "province": ("省", "省份", "province"),
    "city": ("市", "地市", "城市", "city"),
    "county": ("区县", "县区", "区/县", "county"),
    "street": ("街道", "街道/乡镇", "乡镇", "street"),
    "level": ("风险等级", "等级", "level"),
    "effective_from": ("开始日期", "生效日期", "from"),
    "effective_to": ("结束日期", "解除日期", "until"),
}


@dataclass
class OriginImport:
    created: int = 0
    unchanged: int = 0


REQUIRED = {"province", "level", "effective_from"}


def check_origin_row(raw: dict[str, Any], errors: Errors, *, source: str = "") -> dict[str, Any]:
    """One sheet row of risk areas (省, 市, 区县, 街道, 风险等级, 开始日期, 结束日期) as an
    entry's values, its problems added to ``errors`` by column key."""
    dates: dict[str, dt.date | None] = {}
    for key in ("effective_from", "effective_to"):
        try:
            dates[key] = sheet.date(raw.get(key))
        except ValueError:
            errors.add(key, _("Not a date."))
            dates[key] = None
    data = OriginData(
        level=sheet.text(raw.get("level")),
        province=sheet.text(raw.get("province")),
        city=sheet.text(raw.get("city")),
        county=sheet.text(raw.get("county")),
        street=sheet.text(raw.get("street")),
        source=source,
        **dates,
    )
    return _clean(data, errors)


def write_origins(rows: list[dict[str, Any]], *, by: Actor) -> OriginImport:
    """Checked rows written in one transaction: each a new version where it changes the
    current entry."""
    result = OriginImport()
    with transaction.atomic():
        for values in rows:
            _entry, changed = _save(values, by)
            if changed:
                result.created += 1
            else:
                result.unchanged += 1
    return result


def import_origins(content: bytes, *, by: Actor, source: str = "") -> OriginImport:
    """A sheet of risk areas at once (the API; the pages queue it, ``services.imports``):
    every row checked first; one bad row refuses the file, naming each bad row and column."""
    require(by, "origin.manage")
    checked = check_rows(
        sheet.read_rows(content, COLUMNS, REQUIRED),
        lambda raw, errors: check_origin_row(raw, errors, source=source),
    )
    checked.raise_if_any()
    return write_origins(checked.values, by=by)
