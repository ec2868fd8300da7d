"""The command centre API under /api/v1/command: the daily picture (the same data as the
page and the report), the archived reports, directives and their recipients' actions, the
user's notices (the bell)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from fangkong.areas.models import Area
from fangkong.command import selectors
from fangkong.command.models import Department, Directive, DirectiveRecipient
from fangkong.command.services import directives as services
from fangkong.command.services import reports
from fangkong.core.actors import AuthedRequest
from fangkong.core.api import Page, StrictSchema
from fangkong.core.errors import NotFound
from fangkong.core.models import Notice, User
from fangkong.core.notifications import mark_read, unread_count
from fangkong.core.permissions import require
from fangkong.core.scoping import get_all_visible_or_404, get_visible_or_404

router = Router(tags=["command centre"])


class PictureQuery(Schema):
    day: dt.date | None = Field(None, description="a past day or today (default)")
    area_id: int | None = Field(None, description="one of your areas, to see it alone")


@router.get(
    "/picture",
    response=dict[str, Any],
    summary="The daily picture: every section's figures for a day",
)
def picture(request: HttpRequest, query: Query[PictureQuery]) -> dict[str, Any]:
    require(request.user, "command.view")
    day = query.day or selectors.local_today()
    selectors.check_not_future(day)
    area = None
    if query.area_id is not None:
        area = get_visible_or_404(
            Area.objects.visible_to(request.user), request.user, pk=query.area_id,
            error_field="area_id",
        )  # fmt: skip
    return selectors.picture(request.user, day, area=area).as_dict()


class DailyReportOut(Schema):
    id: int
    area_id: int
    day: dt.date
    version: int
    built_at: dt.datetime
    cutoff: dt.datetime
    changes: list[dict[str, Any]]


class ReportIn(StrictSchema):
    day: dt.date


@router.get("/reports", response=list[DailyReportOut], summary="Archived daily reports")
@paginate(Page)
def list_reports(request: HttpRequest):
    require(request.user, "report.view")
    return selectors.reports_for(request.user)


@router.post(
    "/reports", response={201: DailyReportOut}, summary="Build the next version of a report"
)
def build_report(request: HttpRequest, payload: ReportIn):
    return Status(201, reports.build_report(None, payload.day, by=request.user))  # type: ignore[arg-type]


@router.get("/reports/{report_id}", response=dict[str, Any], summary="One report's figures")
def get_report(request: HttpRequest, report_id: int) -> dict[str, Any]:
    require(request.user, "report.view")
    r = get_visible_or_404(selectors.reports_for(request.user), request.user, pk=report_id,
                           error_field="report_id")  # fmt: skip
    return {"id": r.pk, "day": r.day.isoformat(), "version": r.version, "figures": r.figures,
            "changes": r.changes}  # fmt: skip


class RecipientOut(Schema):
    id: int
    directive_id: int
    area_id: int
    department_id: int | None
    state: str
    escalations: int
    name: str

    @staticmethod
    def resolve_name(obj: DirectiveRecipient) -> str:
        return str(obj)


class DirectiveOut(Schema):
    id: int
    title: str
    body: str
    deadline: dt.datetime
    area_id: int
    recipients: list[RecipientOut]

    @staticmethod
    def resolve_recipients(obj: Directive) -> list[DirectiveRecipient]:
        return list(obj.recipients.all())


class DirectiveIn(StrictSchema):
    title: str = Field(..., max_length=200)
    body: str = Field("", max_length=5000)
    deadline: dt.datetime | None = None
    area_ids: list[int] = Field(default_factory=list, max_length=200)
    department_ids: list[int] = Field(default_factory=list, max_length=200)


class DirectiveQuery(Schema):
    show: str = Field("open", pattern="^(open|overdue|closed|all)$")


@router.get("/directives", response=list[DirectiveOut], summary="Directives you may see")
@paginate(Page)
def list_directives(request: HttpRequest):
    require(request.user, "directive.view")
    return selectors.directives_for(request.user).prefetch_related("recipients__department")


@router.post("/directives", response={201: DirectiveOut}, summary="Issue a directive")
def issue_directive(request: HttpRequest, payload: DirectiveIn):
    require(request.user, "directive.issue")
    areas = get_all_visible_or_404(Area.objects.visible_to(request.user), request.user,
                                   payload.area_ids, error_field="area_ids")  # fmt: skip
    deps = list(Department.objects.filter(pk__in=payload.department_ids, active=True))
    if len(deps) != len(set(payload.department_ids)):
        raise NotFound("No such department.", field="department_ids")
    d = services.issue(by=request.user, title=payload.title, body=payload.body,  # type: ignore[arg-type]
                       deadline=payload.deadline, areas=areas, departments=deps)  # fmt: skip
    return Status(201, d)


@router.get("/directives/{directive_id}", response=DirectiveOut, summary="One directive")
def get_directive(request: HttpRequest, directive_id: int):
    require(request.user, "directive.view")
    return get_visible_or_404(selectors.directives_for(request.user), request.user,
                              pk=directive_id, error_field="directive_id")  # fmt: skip


@router.get("/board", response=dict[str, int], summary="Recipients open, overdue and closed")
def board(request: HttpRequest) -> dict[str, int]:
    require(request.user, "directive.view")
    return selectors.directive_board(request.user)


@router.get("/recipients/{recipient_id}", response=RecipientOut, summary="One recipient")
def get_recipient(request: HttpRequest, recipient_id: int):
    require(request.user, "directive.view")
    return get_visible_or_404(selectors.recipients_for(request.user), request.user,
                              pk=recipient_id, error_field="recipient_id")  # fmt: skip


class ActionIn(StrictSchema):
    action: str = Field(..., pattern="^(acknowledge|progress|close|escalate|withdraw)$")
    note: str = Field("", max_length=2000)


@router.post("/recipients/{recipient_id}/actions", response=RecipientOut,
             summary="Acknowledge, report progress, close; the centre escalates or withdraws")  # fmt: skip
def recipient_action(request: HttpRequest, recipient_id: int, payload: ActionIn):
    require(request.user, "directive.view")
    r = get_visible_or_404(selectors.recipients_for(request.user), request.user,
                           pk=recipient_id, error_field="recipient_id")  # fmt: skip
    by: Any = request.user
    if payload.action == "acknowledge":
        return services.acknowledge(r, by=by)
    if payload.action == "progress":
        return services.report_progress(r, by=by, note=payload.note)
    if payload.action == "close":
        return services.close(r, by=by, note=payload.note)
    if payload.action == "escalate":
        return services.escalate(r, by=by, note=payload.note)
    return services.withdraw(r, by=by, note=payload.note)


class DepartmentOut(Schema):
    id: int
    name: str
    area_id: int
    member_ids: list[int]

    @staticmethod
    def resolve_member_ids(obj: Department) -> list[int]:
        return sorted(u.pk for u in obj.members.all())


class DepartmentIn(StrictSchema):
    name: str = Field(..., max_length=60)
    member_ids: list[int] = Field(default_factory=list, max_length=200)


@router.get("/departments", response=list[DepartmentOut], summary="Departments to address")
def list_departments(request: HttpRequest):
    require(request.user, "directive.view")
    return Department.objects.filter(active=True).prefetch_related("members")


@router.post("/departments", response={201: DepartmentOut}, summary="Create a department")
def create_department(request: HttpRequest, payload: DepartmentIn):
    require(request.user, "department.manage")
    members = list(User.objects.filter(pk__in=payload.member_ids, is_active=True))
    if len(members) != len(set(payload.member_ids)):
        raise NotFound("No such user.", field="member_ids")
    dep = services.save_department(by=request.user, name=payload.name, members=members)  # type: ignore[arg-type]
    return Status(201, dep)


class NoticeOut(Schema):
    id: int
    kind: str
    title: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class ReadIn(StrictSchema):
    ids: list[int] | None = Field(None, max_length=1000, description="none: all")


@router.get("/notices", response=list[NoticeOut], summary="Your notices, newest first")
@paginate(Page)
def list_notices(request: AuthedRequest):
    return Notice.objects.filter(user=request.user)


@router.get("/notices/unread", response=dict[str, int], summary="How many are unread")
def unread(request: AuthedRequest) -> dict[str, int]:
    return {"unread": unread_count(request.user)}


@router.post("/notices/read", response=dict[str, int], summary="Mark notices read")
def read(request: AuthedRequest, payload: ReadIn) -> dict[str, int]:
    return {"marked": mark_read(request.user, payload.ids)}
