"""The resident portal (/r/<token>/): no account, mobile first, in Chinese. The personal link
is the only key: it shows its person's (and their dependants') control and nothing of anyone
else; every use counts against the link's rate limit."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.areas.selectors import responsibility_chain
from fangkong.core.actors import AuthedRequest
from fangkong.core.errors import DomainError
from fangkong.home_isolation.choices import OPEN_REQUEST_STATES, RequestKind, Symptom
from fangkong.home_isolation.models import HealthReport, HomeTest, ServiceRequest
from fangkong.home_isolation.phases import control_end, day_n_of_m, home_phase_of
from fangkong.home_isolation.services import portal
from fangkong.home_isolation.services.requests import create_request


def _refused(request: AuthedRequest, exc: DomainError) -> HttpResponse:
    return render(request, "home_isolation/portal/refused.html", {"message": exc.message},
                  status=exc.status)  # fmt: skip


def _context(link, token: str) -> dict:
    person = link.person
    today = timezone.localdate()
    phase = home_phase_of(person.pk)
    ctx = {"link": link, "token": token, "person": person, "phase": phase,
           "symptoms": Symptom.choices, "kinds": RequestKind.choices}  # fmt: skip
    if phase is not None:
        ctx["day"], ctx["days"] = day_n_of_m(phase, today)
        ctx["end"] = control_end(phase)
        ctx["tests"] = [d for d in phase.test_days if d >= today.isoformat()]
        ctx["sampled"] = HomeTest.objects.filter(phase=phase).count()
    floor = person.household.floor if person.household_id and person.household else None
    chain = responsibility_chain(person.area, floor)[:2]
    ctx["contacts"] = [(c.role_label, c.name, c.phone) for c in chain]
    ctx["dependants"] = portal.dependants(link)
    ctx["reports"] = HealthReport.objects.filter(person=person, day=today).order_by("-at")[:4]
    ctx["requests"] = ServiceRequest.objects.filter(person=person).order_by("-created_at")[:5]
    ctx["open_states"] = OPEN_REQUEST_STATES
    return ctx


def _resolve(request: AuthedRequest, token: str):
    return portal.resolve(token)


@ensure_csrf_cookie
@require_http_methods(["GET"])
def home(request: AuthedRequest, token: str) -> HttpResponse:
    with translation.override(settings.FANGKONG_PORTAL_LANGUAGE):
        try:
            link = _resolve(request, token)
        except DomainError as exc:
            return _refused(request, exc)
        ctx = _context(link, token)
        ctx["done"] = request.GET.get("done", "")
        return render(request, "home_isolation/portal/home.html", ctx)


@require_POST
def report(request: AuthedRequest, token: str) -> HttpResponse:
    with translation.override(settings.FANGKONG_PORTAL_LANGUAGE):
        raw_for = request.POST.get("for_person") or ""
        try:
            for_person = int(raw_for) if raw_for else None
        except ValueError:
            for_person = -1
        try:
            portal.report_with_token(
                token,
                temperature=request.POST.get("temperature", ""),
                symptoms=request.POST.getlist("symptoms"),
                for_person=for_person,
            )
        except DomainError as exc:
            link = portal.link_for_page(token)
            if link is None or "link" in exc.fields:
                return _refused(request, exc)
            ctx = _context(link, token) | {
                "report_error": exc.message,
                "temperature": request.POST.get("temperature", ""),
            }
            return render(request, "home_isolation/portal/home.html", ctx, status=exc.status)
        return redirect(reverse("portal:home", args=[token]) + "?done=report")


@require_POST
def service_request(request: AuthedRequest, token: str) -> HttpResponse:
    with translation.override(settings.FANGKONG_PORTAL_LANGUAGE):
        try:
            link = _resolve(request, token)
        except DomainError as exc:
            return _refused(request, exc)
        try:
            create_request(link.person, kind=request.POST.get("kind", ""),
                           note=request.POST.get("note", ""), from_portal=True)  # fmt: skip
        except DomainError as exc:
            ctx = _context(link, token) | {"request_error": exc.message}
            return render(request, "home_isolation/portal/home.html", ctx, status=exc.status)
        return redirect(reverse("portal:home", args=[token]) + "?done=request")


def qr_svg(url: str) -> str:
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()


@require_http_methods(["GET"])
def qr(request: AuthedRequest, token: str) -> HttpResponse:
    """The printable QR code of the link (to put up inside the home)."""
    with translation.override(settings.FANGKONG_PORTAL_LANGUAGE):
        try:
            link = _resolve(request, token)
        except DomainError as exc:
            return _refused(request, exc)
        return render(request, "home_isolation/portal/qr.html",
                      {"svg": qr_svg(portal.portal_url(token)), "link": link,
                       "title": _("Health report and services")})  # fmt: skip
