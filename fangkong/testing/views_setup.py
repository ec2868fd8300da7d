"""Setting up mass testing on pages: testing points, labs and screening rounds, created and
edited through the same services as the API (services/setup.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from fangkong.core.views.generic import ObjectFormView, ServiceFormView
from fangkong.core.views.mixins import PermissionMixin
from fangkong.testing import selectors, services
from fangkong.testing.forms import LabForm, PointForm, RoundForm
from fangkong.testing.models import Lab, ScreeningRound, TestingPoint

MANAGE = "testing.manage"


class PointCreateView(ServiceFormView):
    permission = MANAGE
    form_class = PointForm
    title = _("New testing point")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"user": self.request.user}

    def perform(self, form):
        d = form.cleaned_data
        point = services.create_point(
            by=self.request.user, name=d["name"], kind=d["kind"], area=d["area"],
            address=d["address"], hours=d["hours"], samplers=d["samplers"],
        )  # fmt: skip
        if not d["active"]:
            point = services.update_point(point, by=self.request.user, **d)
        return point


class PointEditView(ObjectFormView):
    permission = MANAGE
    model = TestingPoint
    form_class = PointForm
    title = _("Edit the testing point")

    def get_queryset(self):
        return selectors.points_for(self.request.user)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"user": self.request.user}

    def get_initial(self) -> dict[str, Any]:
        p = self.object
        return {"name": p.name, "kind": p.kind, "area": p.area, "address": p.address,
                "hours": p.hours, "samplers": list(p.samplers.all()), "active": p.active}  # fmt: skip

    def perform(self, form):
        return services.update_point(self.object, by=self.request.user, **form.cleaned_data)


class RoundCreateView(ServiceFormView):
    permission = MANAGE
    form_class = RoundForm
    title = _("New screening round")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"user": self.request.user}

    def get_initial(self) -> dict[str, Any]:
        start = timezone.localtime().replace(minute=0, second=0, microsecond=0)
        return {"starts_at": start, "ends_at": start + dt.timedelta(hours=12)}

    def perform(self, form):
        return services.create_round(by=self.request.user, **form.cleaned_data)


class RoundEditView(ObjectFormView):
    permission = MANAGE
    model = ScreeningRound
    form_class = RoundForm
    title = _("Edit the screening round")

    def get_queryset(self):
        return selectors.rounds_for(self.request.user)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"user": self.request.user}

    def get_initial(self) -> dict[str, Any]:
        r = self.object
        return {"name": r.name, "areas": list(r.areas.all()),
                "starts_at": timezone.localtime(r.starts_at),
                "ends_at": timezone.localtime(r.ends_at), "pooling_ratio": r.pooling_ratio,
                "single_categories": list(r.single_categories.all())}  # fmt: skip

    def perform(self, form):
        return services.update_round(self.object, by=self.request.user, **form.cleaned_data)


class LabListView(PermissionMixin, View):
    permission = MANAGE

    def get(self, request):
        labs = selectors.labs_for(request.user).prefetch_related("technicians").order_by("name")
        return render(request, "testing/labs.html", {"labs": labs, "title": _("Labs")})


class LabCreateView(ServiceFormView):
    permission = MANAGE
    form_class = LabForm
    title = _("New lab")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"user": self.request.user}

    def perform(self, form):
        d = form.cleaned_data
        return services.create_lab(by=self.request.user, name=d["name"], code=d["code"].strip(),
                                   area=d["area"], technicians=d["technicians"])  # fmt: skip

    def success_url(self, result) -> str:
        return reverse("testing:labs")


class LabEditView(ServiceFormView):
    """Labs hold no one's data (shared), but only those within the manager's areas are
    theirs to edit: another's answers 404."""

    permission = MANAGE
    form_class = LabForm
    title = _("Edit the lab")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.can(self.permission):
            lab = selectors.labs_for(request.user).filter(pk=kwargs["pk"]).first()
            if lab is None:
                raise Http404
            self.object: Lab = lab
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"user": self.request.user, "lab": self.object}

    def get_initial(self) -> dict[str, Any]:
        lab: Lab = self.object
        return {"name": lab.name, "code": lab.code, "area": lab.area,
                "technicians": list(lab.technicians.all())}  # fmt: skip

    def perform(self, form):
        d = form.cleaned_data
        return services.update_lab(self.object, by=self.request.user, name=d["name"],
                                   area=d["area"], technicians=d["technicians"])  # fmt: skip

    def success_url(self, result) -> str:
        return reverse("testing:labs")
