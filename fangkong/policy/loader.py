"""Rule sets as data: parse, validate and load a rule set from JSON.

One loader serves the data migration (with historical models), the ``fangkong load_policy``
command and the county's JSON form. A rule set is checked whole before anything is written:
every problem is reported, each naming its rule and field, and a bad set loads nothing.

The format::

    {"code": "cn-20-measures", "name": "...", "scope": "national" | "county",
     "county": "500242",            # area code, county sets only
     "effective_from": "2022-11-11", "effective_to": null,
     "source": "...", "notes": "...",
     "rules": [{"reason": "close_contact", "notes": "...",
                "phases": [{"kind": "centralized_isolation", "days": 5,
                            "test_days": [1, 2, 3, 5]}, ...]}, ...]}
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.policy.choices import PhaseKind, Reason, Scope

DATA_DIR = Path(__file__).resolve().parent / "policy_data"
SHIPPED_FILES = ("national-9th-edition.json", "national-20-measures.json")
MAX_PHASE_DAYS = 90
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
SET_KEYS = {
    "code",
    "name",
    "scope",
    "county",
    "effective_from",
    "effective_to",
    "source",
    "notes",
    "rules",
}
RULE_KEYS = {"reason", "notes", "phases"}
PHASE_KEYS = {"kind", "days", "test_days"}


@dataclass
class PhaseSpec:
    kind: str
    days: int
    test_days: list[int]


@dataclass
class RuleSpec:
    reason: str
    notes: str = ""
    phases: list[PhaseSpec] = field(default_factory=list)


@dataclass
class RuleSetSpec:
    code: str
    name: str
    scope: str
    county: str | None
    effective_from: dt.date
    effective_to: dt.date | None
    source: str = ""
    notes: str = ""
    rules: list[RuleSpec] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["effective_from"] = self.effective_from.isoformat()
        data["effective_to"] = self.effective_to.isoformat() if self.effective_to else None
        return data


@dataclass
class Models:
    """The model classes to write with: the app's own, or a migration's historical ones."""

    RuleSet: Any
    Rule: Any
    RulePhase: Any
    Area: Any


def app_models() -> Models:
    from fangkong.areas.models import Area
    from fangkong.policy.models import Rule, RulePhase, RuleSet

    return Models(RuleSet=RuleSet, Rule=Rule, RulePhase=RulePhase, Area=Area)


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        self.fields.setdefault(key, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(
                _("The rule set was not loaded (nothing was changed): %(problems)s")
                % {"problems": "; ".join(m for ms in self.fields.values() for m in ms)},
                fields=self.fields,
            )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _date(value: Any, key: str, errors: _Errors, *, required: bool) -> dt.date | None:
    if value is None or value == "":
        if required:
            errors.add(key, _("%(field)s: a date (YYYY-MM-DD) is required.") % {"field": key})
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.add(
            key,
            _("%(field)s: %(value)r is not a date (YYYY-MM-DD).") % {"field": key, "value": value},
        )
        return None


def _text(data: dict, key: str, errors: _Errors, *, required: bool, max_length: int) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(key, _("%(field)s: must be text.") % {"field": key})
        return ""
    value = value.strip()
    if required and not value:
        errors.add(key, _("%(field)s: is required.") % {"field": key})
    elif len(value) > max_length:
        errors.add(key, _("%(field)s: at most %(n)d characters.") % {"field": key, "n": max_length})
    return value


def _unknown_keys(data: dict, allowed: set[str], key: str, errors: _Errors, where: str) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        errors.add(
            key,
            _("%(where)s: unknown field(s) %(fields)s.")
            % {"where": where, "fields": ", ".join(extra)},
        )


def _parse_phase(raw: Any, where: str, key: str, errors: _Errors) -> PhaseSpec | None:
    if not isinstance(raw, dict):
        errors.add(key, _("%(where)s: must be an object.") % {"where": where})
        return None
    _unknown_keys(raw, PHASE_KEYS, key, errors, where)
    kind = raw.get("kind")
    if kind not in PhaseKind.values:
        errors.add(
            f"{key}.kind",
            _("%(where)s: unknown kind %(kind)r (one of %(kinds)s).")
            % {"where": where, "kind": kind, "kinds": ", ".join(PhaseKind.values)},
        )
    raw_days = raw.get("days")
    days = raw_days if isinstance(raw_days, int) and not isinstance(raw_days, bool) else 0
    days_ok = 1 <= days <= MAX_PHASE_DAYS
    if not days_ok:
        errors.add(
            f"{key}.days",
            _("%(where)s: days must be a whole number from 1 to %(max)d, not %(days)r.")
            % {"where": where, "max": MAX_PHASE_DAYS, "days": raw_days},
        )
    test_days = raw.get("test_days", [])
    if not isinstance(test_days, list) or not all(_is_int(d) for d in test_days):
        errors.add(
            f"{key}.test_days",
            _("%(where)s: test days must be a list of day numbers.") % {"where": where},
        )
        test_days = []
    elif len(set(test_days)) != len(test_days):
        errors.add(f"{key}.test_days", _("%(where)s: a test day is repeated.") % {"where": where})
    if days_ok:
        outside = [d for d in test_days if not 1 <= d <= days]
        if outside:
            errors.add(
                f"{key}.test_days",
                _("%(where)s: test day(s) %(outside)s lie outside the phase's days 1 to %(days)d.")
                % {"where": where, "outside": ", ".join(map(str, outside)), "days": days},
            )
    return PhaseSpec(kind=str(kind), days=days if days_ok else 0, test_days=sorted(set(test_days)))


def _parse_rule(raw: Any, index: int, errors: _Errors) -> RuleSpec | None:
    if not isinstance(raw, dict):
        errors.add(f"rules.{index + 1}", _("Rule %(n)d: must be an object.") % {"n": index + 1})
        return None
    reason = raw.get("reason")
    name = reason if isinstance(reason, str) and reason else f"#{index + 1}"
    key = f"rules.{name}"
    where = _("Rule %(rule)s") % {"rule": name}
    _unknown_keys(raw, RULE_KEYS, key, errors, where)
    if reason not in Reason.values:
        errors.add(
            f"{key}.reason",
            _("%(where)s: unknown reason %(reason)r (one of %(reasons)s).")
            % {"where": where, "reason": reason, "reasons": ", ".join(Reason.values)},
        )
    notes = raw.get("notes", "") or ""
    if not isinstance(notes, str):
        errors.add(f"{key}.notes", _("%(where)s: notes must be text.") % {"where": where})
        notes = ""
    phases_raw = raw.get("phases")
    phases: list[PhaseSpec] = []
    if not isinstance(phases_raw, list) or not phases_raw:
        errors.add(
            f"{key}.phases", _("%(where)s: at least one phase is required.") % {"where": where}
        )
    else:
        for i, p in enumerate(phases_raw, start=1):
            phase_where = _("Rule %(rule)s, phase %(n)d") % {"rule": name, "n": i}
            spec = _parse_phase(p, phase_where, f"{key}.phases.{i}", errors)
            if spec is not None:
                phases.append(spec)
    return RuleSpec(reason=str(reason), notes=notes.strip(), phases=phases)


def parse_rule_set(data: dict[str, Any] | str | bytes) -> RuleSetSpec:
    """Check a rule set's shape and values (no database); raise ValidationFailed naming every
    bad rule and field."""
    errors = _Errors()
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise ValidationFailed(
                _("The rule set is not valid JSON: %(error)s") % {"error": exc}, field="json"
            ) from None
    if not isinstance(data, dict):
        raise ValidationFailed(_("A rule set must be a JSON object."), field="json")
    _unknown_keys(data, SET_KEYS, "json", errors, _("Rule set"))
    code = _text(data, "code", errors, required=True, max_length=40)
    if code and not CODE_RE.match(code):
        errors.add("code", _("code: letters, digits, '.', '_' and '-' only."))
    name = _text(data, "name", errors, required=True, max_length=120)
    scope = data.get("scope")
    if scope not in Scope.values:
        errors.add(
            "scope",
            _("scope: must be one of %(scopes)s, not %(scope)r.")
            % {"scopes": ", ".join(Scope.values), "scope": scope},
        )
    county = data.get("county") or None
    if scope == Scope.COUNTY and not county:
        errors.add("county", _("county: a county rule set must name its county's area code."))
    if scope == Scope.NATIONAL and county:
        errors.add("county", _("county: a national rule set has no county."))
    if county is not None and not isinstance(county, str):
        errors.add("county", _("county: must be an area code as text."))
        county = None
    start = _date(data.get("effective_from"), "effective_from", errors, required=True)
    end = _date(data.get("effective_to"), "effective_to", errors, required=False)
    if start and end and end < start:
        errors.add("effective_to", _("effective_to: must not be before effective_from."))
    source = _text(data, "source", errors, required=False, max_length=300)
    notes = _text(data, "notes", errors, required=False, max_length=5000)
    rules_raw = data.get("rules")
    rules: list[RuleSpec] = []
    if not isinstance(rules_raw, list) or not rules_raw:
        errors.add("rules", _("rules: at least one rule is required."))
    else:
        seen: set[str] = set()
        for i, raw in enumerate(rules_raw):
            rule = _parse_rule(raw, i, errors)
            if rule is None:
                continue
            if rule.reason in seen:
                errors.add(
                    f"rules.{rule.reason}",
                    _("Rule %(rule)s: appears twice in this rule set.") % {"rule": rule.reason},
                )
            seen.add(rule.reason)
            rules.append(rule)
    errors.raise_if_any()
    assert start is not None
    return RuleSetSpec(
        code=code,
        name=name,
        scope=str(scope),
        county=county,
        effective_from=start,
        effective_to=end,
        source=source,
        notes=notes,
        rules=rules,
    )


def _check_against_database(spec: RuleSetSpec, m: Models) -> Any:
    """Code free, county known, no overlap with a set of the same scope for the same reason.
    Returns the county area (or None)."""
    errors = _Errors()
    if m.RuleSet.objects.filter(code=spec.code).exists():
        errors.add("code", _("code: a rule set %(code)s exists already.") % {"code": spec.code})
    county = None
    if spec.scope == Scope.COUNTY:
        county = m.Area.objects.filter(code=spec.county).first()
        if county is None:
            errors.add("county", _("county: no area with code %(code)s.") % {"code": spec.county})
        elif county.kind != "county":
            errors.add(
                "county", _("county: area %(code)s is not a county.") % {"code": spec.county}
            )
            county = None
    if spec.scope == Scope.COUNTY and county is None:
        errors.raise_if_any()
    overlap = Q(rule_set__effective_to__isnull=True) | Q(
        rule_set__effective_to__gte=spec.effective_from
    )
    if spec.effective_to is not None:
        overlap &= Q(rule_set__effective_from__lte=spec.effective_to)
    clashes = (
        m.Rule.objects.filter(overlap, rule_set__scope=spec.scope, rule_set__county=county)
        .filter(reason__in=[r.reason for r in spec.rules])
        .select_related("rule_set")
        .order_by("reason", "rule_set__effective_from")
    )
    for rule in clashes:
        rs = rule.rule_set
        errors.add(
            f"rules.{rule.reason}",
            _(
                "Rule %(rule)s: its dates overlap rule set %(other)s (%(start)s to %(end)s), "
                "which has a rule for the same reason; end that set first or change the dates."
            )
            % {
                "rule": rule.reason,
                "other": rs.code,
                "start": rs.effective_from.isoformat(),
                "end": rs.effective_to.isoformat() if rs.effective_to else _("open"),
            },
        )
    errors.raise_if_any()
    return county


def load_rule_set(
    data: dict[str, Any] | str | bytes | RuleSetSpec,
    *,
    models: Models | None = None,
    created_by: Actor | None = None,
) -> Any:
    """Validate and write one rule set, all or nothing. Returns the RuleSet."""
    m = models or app_models()
    spec = data if isinstance(data, RuleSetSpec) else parse_rule_set(data)
    with transaction.atomic():
        county = _check_against_database(spec, m)
        extra = {"created_by": created_by} if created_by is not None else {}
        rule_set = m.RuleSet.objects.create(
            code=spec.code,
            name=spec.name,
            scope=spec.scope,
            county=county,
            effective_from=spec.effective_from,
            effective_to=spec.effective_to,
            source=spec.source,
            notes=spec.notes,
            **extra,
        )
        for rule_spec in spec.rules:
            rule = m.Rule.objects.create(
                rule_set=rule_set, reason=rule_spec.reason, notes=rule_spec.notes
            )
            m.RulePhase.objects.bulk_create(
                [
                    m.RulePhase(rule=rule, order=i, kind=p.kind, days=p.days, test_days=p.test_days)
                    for i, p in enumerate(rule_spec.phases, start=1)
                ]
            )
    return rule_set


def read_file(path: str | Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationFailed(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror},
            field="file",
        ) from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationFailed(
            _("%(path)s is not valid JSON: %(error)s") % {"path": path, "error": exc}, field="file"
        ) from None
    return data


def load_shipped(models: Models | None = None) -> list[Any]:
    """Load the national rule sets shipped with fangkong; those already loaded are skipped."""
    m = models or app_models()
    loaded = []
    for name in SHIPPED_FILES:
        spec = parse_rule_set(read_file(DATA_DIR / name))
        if m.RuleSet.objects.filter(code=spec.code).exists():
            continue
        loaded.append(load_rule_set(spec, models=m))
    return loaded
