"""The work pages of home isolation: service requests and their moves, the overdue board,
alerts, missed reports with their reminders, and the review list of phases that did not
close by themselves."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actors import AuthedRequest
from fangkong.core.errors import DomainError, ValidationFailed
from fangkong.core.scoping import get_visible_or_404
from fangkong.home_isolation import selectors, services
from fangkong.home_isolation.choices import OPEN_REQUEST_STATES, RequestKind, RequestState, Window
from fangkong.home_isolation.models import CloseReview, HomeAlert, ServiceRequest
from fangkong.home_isolation.views.households import need
from fangkong.people.models import Person


def requests(request: AuthedRequest) -> HttpResponse:
    need(request, "home.view")
    now = timezone.now()
    rows = selectors.requests_for(request.user).filter(state__in=OPEN_REQUEST_STATES)
    return render(request, "home_isolation/requests.html",
                  {"title": _("Service requests"), "rows": rows.order_by("due_at")[:300],
                   "now": now})  # fmt: skip


def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    need(request, "home.view")
    req = get_visible_or_404(ServiceRequest.objects.select_related("person", "household"),
                             request.user, pk=pk)  # fmt: skip
    return render(request, "home_isolation/request_detail.html",
                  {"title": req.get_kind_display(), "r": req, "now": timezone.now(),
                   "can_manage": request.user.can("home.manage")})  # fmt: skip


@require_POST
def request_move(request: AuthedRequest, pk: int) -> HttpResponse:
    """accept / deliver / close / cancel, as the form's ``to`` says."""
    need(request, "home.manage")
    req = get_visible_or_404(ServiceRequest, request.user, pk=pk)
    to = request.POST.get("to", "")
    by = request.user
    try:
        if to == RequestState.ACCEPTED:
            services.accept_request(req, by=by, assignee_name=request.POST.get("assignee_name", ""))
        elif to == RequestState.DELIVERED:
            services.deliver_request(req, confirmation=request.POST.get("confirmation", ""), by=by)
        elif to == RequestState.CLOSED:
            services.close_request(req, by=by)
        elif to == RequestState.CANCELLED:
            services.cancel_request(req, reason_text=request.POST.get("reason_text", ""), by=by)
        else:
            raise ValidationFailed(_("Unknown step."), field="to")
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("home_isolation:request_detail", pk=req.pk)


def request_new(request: AuthedRequest, pk: int) -> HttpResponse:
    """A cadre enters a request for a person of a household (after a phone call)."""
    need(request, "home.manage")
    person = get_visible_or_404(Person, request.user, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            req = services.create_request(person, kind=request.POST.get("kind", ""),
                                          note=request.POST.get("note", ""), by=request.user)  # fmt: skip
        except DomainError as exc:
            error = str(exc.message)
        else:
            return redirect("home_isolation:request_detail", pk=req.pk)
    return render(request, "home_isolation/request_new.html",
                  {"title": _("New service request"), "person": person,
                   "kinds": RequestKind.choices, "error": error})  # fmt: skip


def board(request: AuthedRequest) -> HttpResponse:
    """Open and overdue requests per village, and the overdue ones."""
    need(request, "home.view")
    now = timezone.now()
    return render(request, "home_isolation/board.html", {
        "title": _("Overdue service requests"), "villages": selectors.overdue_board(request.user, now),
        "rows": selectors.overdue_requests(request.user, now).order_by("due_at")[:200], "now": now,
    })  # fmt: skip


def alerts(request: AuthedRequest) -> HttpResponse:
    need(request, "home.view")
    rows = selectors.alerts_for(request.user).filter(handled_at__isnull=True)[:200]
    return render(request, "home_isolation/alerts.html",
                  {"title": _("Home isolation alerts"), "rows": rows,
                   "can_handle": request.user.can("home.medical")})  # fmt: skip


@require_POST
def alert_handle(request: AuthedRequest, pk: int) -> HttpResponse:
    need(request, "home.medical")
    alert = get_visible_or_404(HomeAlert, request.user, pk=pk)
    try:
        services.handle_alert(
            alert, by=request.user, send_for_test=request.POST.get("test") == "on"
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Alert handled."))
    return redirect("home_isolation:alerts")


def _window(request: AuthedRequest, now: dt.datetime) -> str:
    w = request.GET.get("window") or request.POST.get("window") or ""
    if w in Window.values:
        return w
    closed = selectors.closed_windows(now)
    return closed[-1] if closed else Window.MORNING


def missed(request: AuthedRequest) -> HttpResponse:
    """Who has not reported in a window today (after it closed), with the reminder sent or
    not and the cadre's phone to call."""
    need(request, "home.view")
    now = timezone.now()
    day = timezone.localdate(now)
    window = _window(request, now)
    is_closed = window in selectors.closed_windows(now)
    rows = selectors.missed_reports(request.user, day, window)[:500] if is_closed else []
    return render(request, "home_isolation/missed.html", {
        "title": _("Missed health reports"), "rows": rows, "window": window, "windows": Window.choices,
        "closed": is_closed, "day": day, "can_manage": request.user.can("home.manage"),
    })  # fmt: skip


@require_POST
def remind(request: AuthedRequest) -> HttpResponse:
    need(request, "home.manage")
    now = timezone.now()
    day = timezone.localdate(now)
    window = _window(request, now)
    if window in selectors.closed_windows(now):
        phases = selectors.missed_reports(request.user, day, window).filter(reminded=False)[:2000]
        ids = [p.episode.person_id for p in phases]
        persons = list(Person.objects.filter(pk__in=ids).select_related("area"))
        n = services.send_reminders(persons, day=day, window=window, by=request.user)
        messages.success(request, _("%(n)d reminders sent.") % {"n": n})
    return redirect(f"{request.path.rsplit('remind/', 1)[0]}missed/?window={window}")


def reviews(request: AuthedRequest) -> HttpResponse:
    need(request, "home.view")
    return render(request, "home_isolation/reviews.html",
                  {"title": _("Home phases to review"), "rows": selectors.reviews_for(request.user)[:300],
                   "can_manage": request.user.can("home.manage")})  # fmt: skip


@require_POST
def review_resolve(request: AuthedRequest, pk: int) -> HttpResponse:
    need(request, "home.manage")
    review = get_visible_or_404(CloseReview, request.user, pk=pk)
    raw = request.POST.get("new_end_date", "")
    try:
        new_end = dt.date.fromisoformat(raw) if raw else None
        services.resolve_review(review, by=request.user, close=request.POST.get("close") == "on",
                                new_end_date=new_end, reason_text=request.POST.get("reason_text", ""))  # fmt: skip
    except ValueError:
        messages.error(request, _("New end: a date is required."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("home_isolation:reviews")
