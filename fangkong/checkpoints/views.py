"""Pages of the entry checkpoints: the list, one checkpoint with its staff on shift and its
counts per hour by outcome, and the phone page where checkpoint staff record each vehicle
and every person in it (queued on the phone when the connection is poor)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.areas.columns import AreaColumn
from fangkong.arrivals.choices import CodeColour
from fangkong.arrivals.forms import village_choices
from fangkong.checkpoints import selectors, services
from fangkong.checkpoints.choices import Outcome, VehicleKind
from fangkong.checkpoints.filters import CheckpointFilter
from fangkong.checkpoints.forms import CheckpointForm
from fangkong.checkpoints.models import Checkpoint
from fangkong.core import slots
from fangkong.core.actors import AuthedRequest
from fangkong.core.errors import DomainError
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.views.generic import Column, ObjectDetailView, ObjectListView, ServiceFormView
from fangkong.people.choices import DocType
from fangkong.sites.views import _need

# The phone page's slot for other apps' sections (core.slots: a template each, rendered with
# the page's context below the vehicle's fields; logistics fills it with the freight pass check).
CHECK_SLOT = "checkpoints.check"


class CheckpointListView(ObjectListView):
    permission = "checkpoint.view"
    title = gettext_lazy("Entry checkpoints (卡口)")
    filterset_class = CheckpointFilter
    default_order = "name"
    create_url = reverse_lazy("checkpoints:checkpoint_create")
    template_name = "checkpoints/checkpoint_list.html"
    columns = [
        Column("name", gettext_lazy("Name"), link=True, order_by="name"),
        AreaColumn("area", gettext_lazy("Area")),
        Column("location", gettext_lazy("Location")),
        Column("active", gettext_lazy("Open")),
    ]

    def get_queryset(self):
        return Checkpoint.objects.select_related("area")

    def can_create(self):
        return self.request.user.can("checkpoint.manage")


class CheckpointCreateView(ServiceFormView):
    permission = "checkpoint.manage"
    form_class = CheckpointForm
    title = gettext_lazy("New checkpoint")

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def perform(self, form):
        return services.create_checkpoint(
            services.CheckpointData(**form.cleaned_data), by=self.request.user
        )


def _day(request: AuthedRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


class CheckpointDetailView(ObjectDetailView):
    permission = "checkpoint.view"
    template_name = "checkpoints/checkpoint_detail.html"
    model = Checkpoint

    def get_context(self, obj):
        user = self.request.user
        day = _day(self.request)
        return {
            "object": obj,
            "title": obj.name,
            "day": day,
            "on_shift": selectors.on_shift(obj),
            "counts": selectors.counts(user, day, obj)[0],
            "outcomes": Outcome.choices,
            "can_inspect": user.can("checkpoint.inspect") and obj.active,
            "my_shift": selectors.open_shift(user),
        }


def counts(request: AuthedRequest) -> HttpResponse:
    """Vehicles and persons per checkpoint and hour, persons by outcome, for a day."""
    _need(request, "checkpoint.view")
    day = _day(request)
    return render(request, "checkpoints/counts.html", {
        "title": _("Checkpoint counts"), "day": day, "rows": selectors.counts(request.user, day),
        "outcomes": Outcome.choices,
    })  # fmt: skip


def check_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """The phone page: a vehicle and every person in it; entries queue on the phone and
    upload as an idempotent batch (the API's uploads endpoint)."""
    _need(request, "checkpoint.inspect")
    cp = get_visible_or_404(Checkpoint, request.user, pk=pk)
    return render(request, "checkpoints/check.html", {
        "title": cp.name, "checkpoint": cp, "kinds": VehicleKind.choices,
        "colours": CodeColour.choices, "doc_types": DocType.choices,
        "villages": village_choices(), "outcomes": dict(Outcome.choices),
        "upload_url": reverse("api:checkpoint_upload", args=[cp.pk]),
        "extra_sections": slots.templates_for(CHECK_SLOT, request.user),
        "my_shift": selectors.open_shift(request.user),
    })  # fmt: skip


@require_POST
def shift_start(request: AuthedRequest, pk: int) -> HttpResponse:
    _need(request, "checkpoint.inspect")
    cp = get_visible_or_404(Checkpoint, request.user, pk=pk)
    try:
        services.start_shift(cp, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("You are on shift at %(cp)s.") % {"cp": cp.name})
    return redirect(reverse("checkpoints:check", args=[cp.pk]))


@require_POST
def shift_end(request: AuthedRequest) -> HttpResponse:
    _need(request, "checkpoint.inspect")
    services.end_shift(by=request.user)
    messages.success(request, _("Your shift has ended."))
    return redirect(reverse("checkpoints:checkpoint_list"))
