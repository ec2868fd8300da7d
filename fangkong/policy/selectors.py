"""Reads on rule sets: which rule is in force, and how two versions differ."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from fangkong.core.errors import NotFound, ValidationFailed
from fangkong.policy.choices import PhaseKind, Reason, Scope
from fangkong.policy.models import Rule, RulePhase, RuleSet


def rule_sets() -> QuerySet[RuleSet]:
    return RuleSet.objects.select_related("county")


def with_rules(qs: QuerySet[RuleSet]) -> QuerySet[RuleSet]:
    return qs.prefetch_related(
        Prefetch("rules", queryset=Rule.objects.prefetch_related("phases").order_by("reason"))
    )


def _ancestor_paths(area: Any) -> list[str]:
    step = type(area).steplen
    return [area.path[:i] for i in range(step, len(area.path) + 1, step)]


def rule_for(reason: str, on_date: dt.date, area: Any = None) -> Rule:
    """The rule for ``reason`` in force on ``on_date``: the county's own rule set in force
    that day wins for the reasons it defines (when ``area`` lies in that county), else the
    national one. NotFound when there is none."""
    if reason not in Reason.values:
        raise ValidationFailed(_("Unknown reason %(reason)r.") % {"reason": reason}, field="reason")
    in_force = (
        Rule.objects.filter(reason=reason, rule_set__effective_from__lte=on_date)
        .filter(Q(rule_set__effective_to__isnull=True) | Q(rule_set__effective_to__gte=on_date))
        .select_related("rule_set")
        .prefetch_related(Prefetch("phases", queryset=RulePhase.objects.order_by("order")))
        .order_by("-rule_set__effective_from", "-pk")
    )
    if area is not None:
        rule = in_force.filter(
            rule_set__scope=Scope.COUNTY, rule_set__county__path__in=_ancestor_paths(area)
        ).first()
        if rule is not None:
            return rule
    rule = in_force.filter(rule_set__scope=Scope.NATIONAL).first()
    if rule is None:
        raise NotFound(
            _("No rule for %(reason)s is in force on %(date)s.")
            % {"reason": Reason(reason).label, "date": on_date.isoformat()},
            field="reason",
        )
    return rule


@dataclass
class PhaseComparison:
    number: int
    a: RulePhase | None
    b: RulePhase | None
    differs: set[str] = field(default_factory=set)  # "kind", "days", "test_days", "missing"


@dataclass
class ReasonComparison:
    reason: str
    label: str
    a: Rule | None
    b: Rule | None
    phases: list[PhaseComparison]

    @property
    def changed(self) -> bool:
        return any(p.differs for p in self.phases) or (self.a is None) != (self.b is None)

    @property
    def total_a(self) -> int:
        return sum(p.a.days for p in self.phases if p.a)

    @property
    def total_b(self) -> int:
        return sum(p.b.days for p in self.phases if p.b)


def compare_rule_sets(a: RuleSet, b: RuleSet) -> list[ReasonComparison]:
    """Per reason (in the order of ``Reason``), the phases of both versions side by side and
    what differs between them."""
    rules_a = {r.reason: r for r in a.rules.prefetch_related("phases")}
    rules_b = {r.reason: r for r in b.rules.prefetch_related("phases")}
    out: list[ReasonComparison] = []
    for reason in Reason:
        ra, rb = rules_a.get(reason.value), rules_b.get(reason.value)
        if ra is None and rb is None:
            continue
        pa = list(ra.phases.all()) if ra else []
        pb = list(rb.phases.all()) if rb else []
        rows = []
        for i in range(max(len(pa), len(pb))):
            x = pa[i] if i < len(pa) else None
            y = pb[i] if i < len(pb) else None
            differs: set[str] = set()
            if x is None or y is None:
                differs.add("missing")
            else:
                differs.update(
                    name
                    for name in ("kind", "days", "test_days")
                    if getattr(x, name) != getattr(y, name)
                )
            rows.append(PhaseComparison(number=i + 1, a=x, b=y, differs=differs))
        out.append(ReasonComparison(reason.value, str(reason.label), ra, rb, rows))
    return out


def phase_kind_label(kind: str) -> str:
    return str(PhaseKind(kind).label) if kind in PhaseKind.values else kind
