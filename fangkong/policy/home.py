"""Home isolation as policy data: the conditions a home must meet and their effect, the age
limits, what counts as fever and which symptoms alert, and the due time of each kind of
door-to-door service. Each rule set carries its own (``RuleSet.home_isolation``) since the
sources differ (some cities allow a shared bathroom with cleaning); an assessment keeps the
conditions it was made under.

The format (the ``home_isolation`` key of a rule set's JSON)::

    {"source": "...",
     "conditions": [{"code": "own_bathroom", "effect": "refuse" | "note",
                     "unless": "shared_bathroom_cleaned"}, ...],
     "child_max_age": 14, "elderly_age": 65, "fever_celsius": 37.3,
     "alert_symptoms": ["cough", ...],
     "service_due_hours": {"groceries": 24, "urgent_medicine": 2, ...}}
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from fangkong.home_isolation.choices import Condition, Effect, RequestKind, Symptom

HOME_KEYS = {
    "source",
    "conditions",
    "child_max_age",
    "elderly_age",
    "fever_celsius",
    "alert_symptoms",
    "service_due_hours",
}
# answers that may stand in for a condition not met ("unless")
ALTERNATIVES = {"shared_bathroom_cleaned"}


def parse_home_isolation(raw: Any, add: Callable[[str, str], None]) -> dict[str, Any]:
    """Check a rule set's ``home_isolation`` block; report each problem through ``add(key,
    message)``. Returns the block (an empty dict when the set has none)."""
    if raw is None or raw == {}:
        return {}
    key = "home_isolation"
    if not isinstance(raw, dict):
        add(key, _("home_isolation: must be an object."))
        return {}
    extra = sorted(set(raw) - HOME_KEYS)
    if extra:
        add(key, _("home_isolation: unknown field(s) %(f)s.") % {"f": ", ".join(extra)})
    conditions = raw.get("conditions", [])
    seen: set[str] = set()
    if not isinstance(conditions, list):
        add(key, _("home_isolation: conditions must be a list."))
        conditions = []
    for c in conditions:
        code = c.get("code") if isinstance(c, dict) else None
        if code not in Condition.values:
            add(key, _("home_isolation: unknown condition %(c)r.") % {"c": code})
            continue
        if code in seen:
            add(key, _("home_isolation: condition %(c)s appears twice.") % {"c": code})
        seen.add(code)
        if c.get("effect") not in Effect.values:
            add(
                key,
                _("home_isolation: condition %(c)s: effect must be refuse or note.") % {"c": code},
            )
        if c.get("unless") not in (None, *ALTERNATIVES):
            add(key, _("home_isolation: condition %(c)s: unknown alternative.") % {"c": code})
    for name, low, high in (("child_max_age", 0, 18), ("elderly_age", 50, 100)):
        v = raw.get(name, 14 if name == "child_max_age" else 65)
        if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high:
            add(key, _("home_isolation: %(f)s must be a whole number from %(a)d to %(b)d.")
                % {"f": name, "a": low, "b": high})  # fmt: skip
    fever = raw.get("fever_celsius", 37.3)
    if not isinstance(fever, int | float) or not 36.5 <= fever <= 39:
        add(key, _("home_isolation: fever_celsius must be from 36.5 to 39."))
    symptoms = raw.get("alert_symptoms", [])
    if not isinstance(symptoms, list) or any(s not in Symptom.values for s in symptoms):
        add(key, _("home_isolation: alert_symptoms must list known symptoms."))
    due = raw.get("service_due_hours", {})
    if not isinstance(due, dict) or any(
        k not in RequestKind.values or not isinstance(v, int) or not 1 <= v <= 168
        for k, v in due.items()
    ):
        add(key, _("home_isolation: service_due_hours maps request kinds to 1–168 hours."))
    return raw


_lock = threading.Lock()
_cache: dict[tuple, tuple[str, dict[str, Any]]] = {}
_stamp: list[tuple | None] = [None]
# paths of the counties that have their own set with a home block (None: not read yet)
_counties: list[frozenset[str] | None] = [None]
MAX_ENTRIES = 5000


def home_policy(on_date: dt.date, area: Any = None) -> tuple[str, dict[str, Any]]:
    """The home-isolation block in force on ``on_date`` for ``area``: a county set above
    the area first, else the national one (the latest in force with such a block). Returns
    (rule set code, block); ("", {}) when no set has one.

    Remembered per day and the county sets above the area (the block depends on the area
    through nothing else: a county's thousands of villages share one entry) while the
    policy tables do not change (the stamp the control rule cache uses: one tiny query
    instead of two): the portal asks it for every health report."""
    from fangkong.control.sql import policy_stamp

    stamp = policy_stamp()
    with _lock:
        if _stamp[0] != stamp:
            _cache.clear()
            _stamp[0], _counties[0] = stamp, None
        counties = _counties[0]
    if counties is None:
        counties = _county_paths()
        with _lock:
            if _stamp[0] == stamp:
                _counties[0] = counties
    above = tuple(p for p in area.ancestor_paths() if p in counties) if area is not None else ()
    key = (on_date, above)
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    found = _home_policy(on_date, area)
    with _lock:
        if _stamp[0] == stamp:
            if len(_cache) >= MAX_ENTRIES:
                _cache.clear()
            _cache[key] = found
    return found


def _county_paths() -> frozenset[str]:
    from fangkong.policy.choices import Scope
    from fangkong.policy.models import RuleSet

    return frozenset(
        RuleSet.objects.filter(scope=Scope.COUNTY, county__isnull=False)
        .exclude(home_isolation={})
        .values_list("county__path", flat=True)
    )


def _home_policy(on_date: dt.date, area: Any) -> tuple[str, dict[str, Any]]:
    from fangkong.policy.choices import Scope
    from fangkong.policy.models import RuleSet

    in_force = RuleSet.objects.filter(effective_from__lte=on_date).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=on_date)
    )
    in_force = in_force.exclude(home_isolation={})
    paths = area.ancestor_paths() if area is not None else []
    county = (
        in_force.filter(scope=Scope.COUNTY, county__path__in=paths)
        .order_by("-effective_from")
        .first()
    )
    found = county or in_force.filter(scope=Scope.NATIONAL).order_by("-effective_from").first()
    if found is None:
        return "", {}
    return found.code, found.home_isolation


def fever_threshold(block: dict[str, Any]) -> Decimal:
    return Decimal(str(block.get("fever_celsius", 37.3)))


def due_hours(block: dict[str, Any], kind: str) -> int:
    return int(block.get("service_due_hours", {}).get(kind, 24))
