"""Pages of the command centre: the daily picture (the user's areas, or one township of
them), the archived daily reports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.areas.models import Area
from fangkong.command import selectors
from fangkong.command.models import DailyReport
from fangkong.command.services import reports
from fangkong.core.errors import DomainError
from fangkong.core.scoping import get_visible_or_404


def need(request: HttpRequest, permission: str) -> None:
    if not request.user.is_authenticated or not request.user.can(permission):
        raise PermissionDenied


def picture(request: HttpRequest, area_id: int | None = None) -> HttpResponse:
    """The daily picture of the user's areas; with ``area_id``, of that township alone
    (another area's answers 404)."""
    need(request, "command.view")
    area = None
    if area_id is not None:
        area = get_visible_or_404(Area.objects.visible_to(request.user), request.user, pk=area_id)
    try:
        day = selectors.parse_day(request.GET.get("day"))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        day = selectors.local_today()
    pic = selectors.picture(request.user, day, area=area)
    title = (
        _("Daily picture") if area is None else _("Daily picture: %(area)s") % {"area": area.name}
    )
    return render(
        request,
        "command/picture.html",
        {"title": title, "pic": pic, "today": selectors.local_today(),
         "can_report": request.user.can("report.view")},
    )  # fmt: skip


def report_list(request: HttpRequest) -> HttpResponse:
    need(request, "report.view")
    rows = selectors.reports_for(request.user)[:200]
    return render(
        request,
        "command/report_list.html",
        {"title": _("Daily reports"), "reports": rows, "today": selectors.local_today(),
         "can_build": request.user.can("report.build")},
    )  # fmt: skip


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need(request, "report.view")
    report = get_visible_or_404(selectors.reports_for(request.user), request.user, pk=pk)
    return render(
        request,
        "command/report_detail.html",
        {"title": _("Daily report %(day)s, version %(v)s") % {"day": report.day,
                                                             "v": report.version},
         "report": report, "can_build": request.user.can("report.build")},
    )  # fmt: skip


def report_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    need(request, "report.view")
    report = get_visible_or_404(DailyReport.objects.visible_to(request.user), request.user, pk=pk)
    name = f"daily-report-{report.day.isoformat()}-v{report.version}"
    if kind == "pdf":
        resp = HttpResponse(bytes(report.pdf), content_type="application/pdf")
        resp["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    else:
        resp = HttpResponse(
            bytes(report.xlsx),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        resp["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return resp


@require_POST
def report_build(request: HttpRequest) -> HttpResponse:
    need(request, "report.build")
    try:
        day = selectors.parse_day(request.POST.get("day"))
        report = reports.build_report(None, day, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("command:report_list")
    messages.success(request, _("Version %(v)s of the report built.") % {"v": report.version})
    return redirect(report.get_absolute_url())
