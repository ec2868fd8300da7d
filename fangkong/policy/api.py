import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Body, Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from fangkong.areas.models import Area
from fangkong.core.actors import AuthedRequest
from fangkong.core.api import ErrorOut, Page
from fangkong.core.permissions import require
from fangkong.core.scoping import get_visible_or_404
from fangkong.policy import selectors, services
from fangkong.policy.choices import Reason

router = Router(tags=["policy"])


class RulePhaseOut(Schema):  # not PhaseOut: control has one; a name is one schema
    order: int
    kind: str
    days: int
    test_days: list[int]


class RuleOut(Schema):
    reason: str
    reason_label: str = Field(..., alias="get_reason_display")
    notes: str
    total_days: int
    phases: list[RulePhaseOut]

    @staticmethod
    def resolve_phases(obj) -> list[Any]:
        return list(obj.phases.all())


class RuleSetOut(Schema):
    id: int
    code: str
    name: str
    scope: str
    county_code: str | None = None
    effective_from: dt.date
    effective_to: dt.date | None
    source: str
    notes: str

    @staticmethod
    def resolve_county_code(obj) -> str | None:
        return obj.county.code if obj.county_id else None


class RuleSetDetailOut(RuleSetOut):
    rules: list[RuleOut]

    @staticmethod
    def resolve_rules(obj) -> list[Any]:
        return list(obj.rules.all())


class RuleInForceOut(Schema):
    rule_set: RuleSetOut
    rule: RuleOut


class ComparedPhaseOut(Schema):
    number: int
    a: RulePhaseOut | None
    b: RulePhaseOut | None
    differs: list[str]


class ComparedReasonOut(Schema):
    reason: str
    label: str
    changed: bool
    total_a: int
    total_b: int
    phases: list[ComparedPhaseOut]


class CompareOut(Schema):
    a: RuleSetOut
    b: RuleSetOut
    reasons: list[ComparedReasonOut]


@router.get("/rule-sets", response=list[RuleSetOut], summary="Rule sets, newest first")
@paginate(Page)
def list_rule_sets(request: AuthedRequest):
    require(request.user, "policy.view")
    return selectors.rule_sets().order_by("-effective_from", "code")


@router.get("/rule-sets/{rule_set_id}", response={200: RuleSetDetailOut, 404: ErrorOut})
def get_rule_set(request: AuthedRequest, rule_set_id: int):
    require(request.user, "policy.view")
    rule_sets = selectors.with_rules(selectors.rule_sets())
    return get_visible_or_404(rule_sets, request.user, pk=rule_set_id)


@router.post(
    "/rule-sets",
    response={201: RuleSetDetailOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Enter a county rule set (the JSON format of the shipped files)",
)
def create_rule_set(request: AuthedRequest, payload: dict[str, Any] = Body(...)):  # noqa: B008
    require(request.user, "policy.manage")
    rule_set = services.create_rule_set(payload, by=request.user)
    rule_sets = selectors.with_rules(selectors.rule_sets())
    return Status(201, get_visible_or_404(rule_sets, request.user, pk=rule_set.pk))


class CompareQuery(Schema):
    a: int = Field(..., description="id of the first rule set")
    b: int = Field(..., description="id of the second rule set")


@router.get(
    "/compare", response={200: CompareOut, 404: ErrorOut}, summary="Two versions side by side"
)
def compare(request: AuthedRequest, q: Query[CompareQuery]):
    require(request.user, "policy.view")
    a = get_visible_or_404(selectors.rule_sets(), request.user, pk=q.a, error_field="a")
    b = get_visible_or_404(selectors.rule_sets(), request.user, pk=q.b, error_field="b")
    rows = selectors.compare_rule_sets(a, b)
    return {
        "a": a,
        "b": b,
        "reasons": [
            {
                "reason": r.reason,
                "label": r.label,
                "changed": r.changed,
                "total_a": r.total_a,
                "total_b": r.total_b,
                "phases": [
                    {"number": p.number, "a": p.a, "b": p.b, "differs": sorted(p.differs)}
                    for p in r.phases
                ],
            }
            for r in rows
        ],
    }


class RuleQuery(Schema):
    reason: Reason
    date: dt.date | None = Field(None, description="default: today (Asia/Shanghai)")
    area: int | None = Field(None, description="an area id: its county's own rules apply there")


@router.get(
    "/rule",
    response={200: RuleInForceOut, 404: ErrorOut, 422: ErrorOut},
    summary="The rule in force for a reason on a date",
)
def rule_in_force(request: AuthedRequest, q: Query[RuleQuery]):
    require(request.user, "policy.view")
    area = None
    if q.area is not None:
        area = get_visible_or_404(Area, request.user, pk=q.area, error_field="area")
    rule = selectors.rule_for(q.reason, q.date or timezone.localdate(), area=area)
    return {"rule_set": rule.rule_set, "rule": rule}
