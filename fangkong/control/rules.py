"""The rule in force for a new episode, remembered per (reason, date, area) in this process.

Rule sets change rarely (a county enters its own, a national set is loaded), episodes start
hundreds of times a minute on a busy day. ``policy.selectors.rule_for`` costs three queries;
here a hit costs one tiny query: a stamp of the policy tables (row counts, highest ids, the
latest rule-set change). Any rule set, rule or rule phase added, deleted or a rule set
changed — by this process, another worker, a migration or a rolled-back test — changes the
stamp and the remembered rules are dropped. Saves and deletes through the ORM in this
process drop them at once as well (signals), which covers in-place edits of rules.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from django.db.models.signals import post_delete, post_save

from fangkong.control.sql import policy_stamp
from fangkong.policy.choices import Scope
from fangkong.policy.models import Rule, RulePhase, RuleSet
from fangkong.policy.selectors import rule_for

MAX_ENTRIES = 5000


@dataclass(frozen=True)
class RuleInForce:
    """What an episode keeps of the rule it is started under."""

    rule: Rule
    snapshot: dict[str, Any]

    @property
    def rule_set(self) -> RuleSet:
        return self.rule.rule_set


_lock = threading.Lock()
_cache: dict[tuple, RuleInForce] = {}
_stamp: tuple | None = None
_county_paths: frozenset[str] | None = None  # areas some county rule set belongs to


def clear(**_kwargs: Any) -> None:
    """Forget every remembered rule (connected to the policy models' saves and deletes)."""
    global _stamp, _county_paths
    with _lock:
        _cache.clear()
        _stamp = _county_paths = None


for _model in (RuleSet, Rule, RulePhase):
    post_save.connect(clear, sender=_model, dispatch_uid=f"control.rules.save.{_model.__name__}")
    post_delete.connect(clear, sender=_model, dispatch_uid=f"control.rules.del.{_model.__name__}")


def _ancestor_paths(area: Any) -> list[str]:
    if area is None:
        return []
    step = type(area).steplen
    return [area.path[:i] for i in range(step, len(area.path) + 1, step)]


def rule_in_force(reason: str, on_date: dt.date, area: Any = None) -> RuleInForce:
    """``rule_for(reason, on_date, area)`` and its snapshot, remembered per reason, date
    and the county rule sets above ``area``, while the policy tables do not change. Raises what ``rule_for`` raises (nothing is remembered then)."""
    global _stamp, _county_paths
    stamp = policy_stamp()
    with _lock:
        if stamp != _stamp:
            _cache.clear()
            _stamp, _county_paths = stamp, None
        counties = _county_paths
    if counties is None:
        counties = frozenset(
            RuleSet.objects.filter(scope=Scope.COUNTY, county__isnull=False).values_list(
                "county__path", flat=True
            )
        )
        with _lock:
            if _stamp == stamp:
                _county_paths = counties
    # rule_for depends on the area only through the county rule sets above it
    key = (reason, on_date, tuple(p for p in _ancestor_paths(area) if p in counties))
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    rule = rule_for(reason, on_date, area=area)
    found = RuleInForce(rule=rule, snapshot=rule.as_snapshot())
    with _lock:
        if _stamp == stamp:
            if len(_cache) >= MAX_ENTRIES:
                _cache.clear()
            _cache[key] = found
    return found
