"""The checkpoint decision table and the arrivals' measures, as policy data.

The tables live beside the rule sets in ``fangkong/policy/policy_data/`` as
``checkpoint-decisions-*.json``, each with the dates it is in force; the one in force on a
day is used (a later version wins). Changing a rule is editing data, never code. A table
is checked whole when read: unknown keys, outcomes or reasons are refused, the last rule
must match everyone, and no rule that can match a driver may turn them back or hand them
over (drivers are controlled in place, never held for a result).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from fangkong.arrivals.choices import CodeColour, OriginRisk
from fangkong.checkpoints.choices import Outcome
from fangkong.policy.choices import Reason
from fangkong.policy.loader import DATA_DIR

CONDITIONS = {"driver", "fever", "code_colour", "test_48h", "itinerary_star", "risk", "to_county"}
DRIVER_OUTCOMES = frozenset({Outcome.PASS, Outcome.SAMPLE_AND_GO, Outcome.CONTROL_IN_PLACE})


@dataclass(frozen=True)
class Facts:
    """What the checkpoint staff recorded about one person."""

    driver: bool
    code_colour: str
    test_48h: bool
    itinerary_star: bool
    temperature: Decimal
    risk: str
    to_county: bool


@dataclass(frozen=True)
class PersonRule:
    id: str
    when: dict[str, Any]
    outcome: str


@dataclass(frozen=True)
class DecisionTable:
    code: str
    effective_from: dt.date
    effective_to: dt.date | None
    fever_from: Decimal
    arrival_measures: dict[str, str]
    arrival_categories: dict[str, str]
    risk_area_measures: dict[str, str]
    risk_area_clean_days: int
    rules: tuple[PersonRule, ...] = field(default_factory=tuple)

    def decide(self, facts: Facts) -> PersonRule:
        """The first rule matching ``facts`` (the last rule matches everyone)."""
        values = {
            "driver": facts.driver,
            "fever": facts.temperature >= self.fever_from,
            "code_colour": facts.code_colour,
            "test_48h": facts.test_48h,
            "itinerary_star": facts.itinerary_star,
            "risk": facts.risk,
            "to_county": facts.to_county,
        }
        for rule in self.rules:
            if all(
                values[k] in v if isinstance(v, list) else values[k] == v
                for k, v in rule.when.items()
            ):
                return rule
        return self.rules[-1]  # pragma: no cover - the table is checked to end with a catch-all


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def parse(data: dict[str, Any], name: str = "table") -> DecisionTable:
    """A decision table from its JSON, checked whole (ImproperlyConfigured naming the rule)."""
    problems: list[str] = []
    rules = []
    drivers_caught = False  # an earlier rule matched every driver: later ones never see one
    for i, raw in enumerate(data.get("person_rules") or []):
        when = raw.get("when", {})
        unknown = set(when) - CONDITIONS
        if unknown:
            problems.append(f"rule {i}: unknown conditions {sorted(unknown)}")
        if raw.get("outcome") not in Outcome.values:
            problems.append(f"rule {i}: unknown outcome {raw.get('outcome')!r}")
        for key, allowed in (("code_colour", CodeColour.values), ("risk", OriginRisk.values)):
            if key in when and not set(when[key]) <= set(allowed):
                problems.append(f"rule {i}: unknown {key} {when[key]!r}")
        reaches_drivers = not drivers_caught and when.get("driver") is not False
        if reaches_drivers and raw.get("outcome") not in DRIVER_OUTCOMES:
            problems.append(f"rule {i}: a driver may not be turned back or handed over")
        if set(when) <= {"driver"} and when.get("driver") is not False:
            drivers_caught = True
        rules.append(PersonRule(str(raw.get("id") or i), dict(when), raw.get("outcome")))
    if not rules or rules[-1].when:
        problems.append("the last rule must match everyone (an empty 'when')")
    measures = data.get("arrival_measures") or {}
    if not set(measures.values()) <= set(Reason.values):
        problems.append(f"arrival_measures: unknown reasons {measures}")
    if problems:
        raise ImproperlyConfigured(f"{name}: " + "; ".join(problems))
    return DecisionTable(
        code=data["code"],
        effective_from=_date(data["effective_from"]) or dt.date.min,
        effective_to=_date(data.get("effective_to")),
        fever_from=Decimal(str(data.get("fever_from", "37.3"))),
        arrival_measures=dict(measures),
        arrival_categories=dict(data.get("arrival_categories") or {}),
        risk_area_measures=dict(data.get("risk_area_measures") or {}),
        risk_area_clean_days=int(data.get("risk_area_clean_days", 5)),
        rules=tuple(rules),
    )


@lru_cache(maxsize=1)
def tables(directory: Path = DATA_DIR) -> tuple[DecisionTable, ...]:
    found = []
    for path in sorted(directory.glob("checkpoint-decisions-*.json")):
        found.append(parse(json.loads(path.read_text(encoding="utf-8")), path.name))
    return tuple(sorted(found, key=lambda t: t.effective_from))


def table_for(day: dt.date) -> DecisionTable:
    """The table in force on ``day`` (the latest to start on or before it)."""
    in_force = [
        t
        for t in tables()
        if t.effective_from <= day and (t.effective_to is None or day <= t.effective_to)
    ]
    if not in_force:
        raise ImproperlyConfigured(f"no checkpoint decision table in force on {day}")
    return in_force[-1]
