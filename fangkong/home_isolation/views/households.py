"""Pages of home isolation for the village's team and the township: the households under
home control, one household on a page (members, day N of M, seal, link, tests, cadre),
the eligibility check, the placement queue. Requests, alerts, missed reports and reviews
are in ``work.py``. Phone first: every page works at 390 px."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.control.models import ControlPhase
from fangkong.core.actors import AuthedRequest
from fangkong.core.errors import DomainError
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.timeline import timeline_of
from fangkong.home_isolation import selectors, services
from fangkong.home_isolation.choices import Origin, SealKind
from fangkong.home_isolation.models import DoorSeal, EligibilityAssessment, PortalLink
from fangkong.home_isolation.services.eligibility import ANSWER_KEYS
from fangkong.home_isolation.views.portal import qr_svg
from fangkong.people.models import Household, Person


def need(request: AuthedRequest, permission: str) -> None:
    if not request.user.is_authenticated or not request.user.can(permission):
        raise PermissionDenied


def households(request: AuthedRequest) -> HttpResponse:
    need(request, "home.view")
    today = timezone.localdate()
    rows = selectors.households_for(request.user, today)
    return render(request, "home_isolation/households.html",
                  {"title": _("Households under home control"), "rows": rows, "today": today})  # fmt: skip


def household(request: AuthedRequest, pk: int) -> HttpResponse:
    need(request, "home.view")
    hh = get_visible_or_404(Household.objects.select_related("area"), request.user, pk=pk)
    today = timezone.localdate()
    view = selectors.household_view(request.user, hh, today)
    first = next((m.person for m in view.members), None)
    return render(request, "home_isolation/household.html", {
        "title": hh.address, "v": view, "today": today, "seal_kinds": SealKind.choices,
        "can_manage": request.user.can("home.manage"),
        "can_assess": request.user.can("home.assess"),
        "timeline": timeline_of(first, limit=30) if first else [],
    })  # fmt: skip


@require_POST
def seal_fit(request: AuthedRequest, pk: int) -> HttpResponse:
    need(request, "home.manage")
    hh = get_visible_or_404(Household, request.user, pk=pk)
    try:
        services.fit_seal(hh, kind=request.POST.get("kind", ""), number=request.POST.get("number", ""),
                          consent=request.POST.get("consent") == "on", by=request.user)  # fmt: skip
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Seal fitted."))
    return redirect("home_isolation:household", pk=hh.pk)


@require_POST
def seal_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    need(request, "home.manage")
    seal = get_visible_or_404(DoorSeal, request.user, pk=pk)
    try:
        services.remove_seal(seal, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Seal removed."))
    return redirect("home_isolation:household", pk=seal.household_id)


@require_POST
def link_issue(request: AuthedRequest, pk: int) -> HttpResponse:
    """A new personal link, sent by SMS; its QR code is shown once, to print."""
    need(request, "home.manage")
    person = get_visible_or_404(Person.objects.select_related("area"), request.user, pk=pk)
    try:
        issued = services.issue_link(person, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("home_isolation:household", pk=person.household_id or 0)
    return render(request, "home_isolation/link_issued.html",
                  {"title": _("Personal link"), "person": person, "svg": qr_svg(issued.url),
                   "link": issued.link, "household_id": person.household_id})  # fmt: skip


@require_POST
def link_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    need(request, "home.manage")
    link = get_visible_or_404(PortalLink.objects.select_related("person"), request.user, pk=pk)
    services.revoke_link(link, by=request.user)
    messages.success(request, _("Link revoked."))
    return redirect("home_isolation:household", pk=link.person.household_id or 0)


@require_POST
def phase_adjust(request: AuthedRequest, pk: int) -> HttpResponse:
    """Extend or shorten a home phase with a reason."""
    need(request, "home.manage")
    phase = get_visible_or_404(ControlPhase.objects.select_related("episode__person"),
                               request.user, pk=pk)  # fmt: skip
    try:
        new_end = dt.date.fromisoformat(request.POST.get("new_end_date", ""))
    except ValueError:
        messages.error(request, _("New end: a date is required."))
    else:
        try:
            services.adjust_home_phase(phase, new_end_date=new_end,
                                       reason_text=request.POST.get("reason_text", ""),
                                       by=request.user)  # fmt: skip
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The end of the phase was changed."))
    return redirect("home_isolation:household", pk=phase.episode.person.household_id or 0)


def assess(request: AuthedRequest, pk: int) -> HttpResponse:
    """The eligibility check of a person's home."""
    need(request, "home.assess")
    person = get_visible_or_404(Person.objects.select_related("area", "household"),
                                request.user, pk=pk)  # fmt: skip
    members = list(Person.objects.visible_to(request.user).filter(household_id=person.household_id)
                   .exclude(pk=person.pk)) if person.household_id else []  # fmt: skip
    error = ""
    if request.method == "POST":
        carer = None
        raw = request.POST.get("carer", "")
        if raw:
            carer = next((m for m in [person, *members] if str(m.pk) == raw), None)
        answers = services.Answers(
            **{k: request.POST.get(k) == "on" for k in ANSWER_KEYS},
            carer=carer, note=request.POST.get("note", ""),
        )  # fmt: skip
        try:
            a = services.assess_household(person, answers, origin=request.POST.get("origin", ""),
                                          by=request.user)  # fmt: skip
        except DomainError as exc:
            error = str(exc.message)
        else:
            return redirect("home_isolation:assessment_detail", pk=a.pk)
    return render(request, "home_isolation/assess.html", {
        "title": _("Home eligibility check"), "person": person, "members": members,
        "origins": Origin.choices, "keys": ANSWER_KEYS, "error": error,
    })  # fmt: skip


def assessment_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated or not (
        request.user.can("home.placement.view") or request.user.can("home.view")
    ):
        raise PermissionDenied
    a = get_visible_or_404(EligibilityAssessment.objects.select_related("person", "household"),
                           request.user, pk=pk)  # fmt: skip
    return render(request, "home_isolation/assessment.html",
                  {"title": _("Home eligibility check"), "a": a,
                   "can_cancel": request.user.can("home.assess"),
                   "can_transfer": can_transfer(request)})  # fmt: skip


def can_transfer(request: AuthedRequest) -> bool:
    """Whether the user may send a household from the queue to a transfer."""
    return request.user.can("transfer.request") and request.user.can("home.placement.take")


@require_POST
def placement_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    need(request, "home.assess")
    a = get_visible_or_404(EligibilityAssessment, request.user, pk=pk)
    try:
        services.cancel_placement(
            a, reason_text=request.POST.get("reason_text", ""), by=request.user
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("home_isolation:assessment_detail", pk=a.pk)


@require_POST
def placement_transfer(request: AuthedRequest, pk: int) -> HttpResponse:
    """The queue's one action: the household's transfer asked for and taken off the queue
    (the transfers app's service); back to the queue with the request's number."""
    from fangkong.transfers.services import request_for_placement

    if not request.user.is_authenticated or not can_transfer(request):
        raise PermissionDenied
    a = get_visible_or_404(EligibilityAssessment, request.user, pk=pk)
    try:
        req = request_for_placement(a, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Transfer request #%(n)s made; the household has left the queue.")
                         % {"n": req.pk})  # fmt: skip
    return redirect("home_isolation:placement")


def placement(request: AuthedRequest) -> HttpResponse:
    """The "needs centralized placement" queue (site managers, the county)."""
    if not request.user.is_authenticated or not (
        request.user.can("home.placement.view") or request.user.can("home.view")
    ):
        raise PermissionDenied
    rows = selectors.awaiting_placement(request.user)[:300]
    return render(request, "home_isolation/placement.html",
                  {"title": _("Households needing centralized placement"), "rows": rows,
                   "can_transfer": can_transfer(request)})  # fmt: skip


def checks(request: AuthedRequest) -> HttpResponse:
    """Homes to check: home isolation started (a release) with no current eligible
    assessment of the household (the village's cadres)."""
    need(request, "home.assess")
    rows = selectors.checks_to_do(request.user)[:300]
    return render(request, "home_isolation/checks.html",
                  {"title": _("Homes to check"), "rows": rows})  # fmt: skip


def back(request: AuthedRequest, default: str) -> HttpResponse:
    return redirect(request.POST.get("next") or reverse(default))
