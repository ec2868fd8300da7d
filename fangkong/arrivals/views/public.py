"""The public pre-registration (返乡报备): no account, phone first, Chinese by default.

Abuse controls without a third-party service: requests larger than the setting are refused
before they are read; each client address may register a limited number of times per ten
minutes (``core.ratelimit``); a honeypot field that people never see and robots fill in
makes the request look accepted while nothing is kept; control characters and angle
brackets are refused field by field."""

from __future__ import annotations

from types import SimpleNamespace

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from fangkong.arrivals import services
from fangkong.arrivals.forms import PreRegistrationForm
from fangkong.core import ratelimit
from fangkong.core.actors import AuthedRequest
from fangkong.core.context import client_ip
from fangkong.core.errors import DomainError, RateLimited
from fangkong.core.views.generic import add_domain_error, refuse_control_characters

FAKE_REFERENCE = "LF"


def _too_large(request: AuthedRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.FANGKONG_PREREGISTER_MAX_BYTES


@never_cache
def preregister(request: AuthedRequest) -> HttpResponse:
    if "fangkong_language" not in request.COOKIES and not request.GET.get("lang"):
        translation.activate("zh-hans")  # Chinese first for the public, whatever the browser
        request.LANGUAGE_CODE = "zh-hans"
    if request.method == "POST" and _too_large(request):
        return render(request, "arrivals/public_error.html",
                      {"message": _("The form is too large to be a registration.")}, status=413)  # fmt: skip
    form = PreRegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        try:
            ratelimit.hit(SimpleNamespace(pk=f"ip:{client_ip(request)}"), "arrival.preregister")
        except RateLimited as exc:
            return render(
                request, "arrivals/public_error.html", {"message": exc.message}, status=429
            )
        if form.is_valid() and not refuse_control_characters(form):
            data = dict(form.cleaned_data)
            if data.pop("website", ""):  # a robot: answer as if accepted, keep nothing
                return render(
                    request, "arrivals/public_done.html", {"reference": FAKE_REFERENCE + "00000000"}
                )
            area = data.pop("area")
            try:
                arrival, created = services.preregister(
                    services.ArrivalData.from_dict({**data, "area_id": area})
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return render(request, "arrivals/public_done.html",
                              {"reference": arrival.reference, "updated": not created,
                               "arrival_date": arrival.arrival_date, "village": arrival.area.name})  # fmt: skip
    return render(request, "arrivals/public_form.html", {"form": form}, status=status)
