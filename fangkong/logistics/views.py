"""Pages of supplies and freight passes: stock points with days of stock left, receipts
and use; passes (apply, decide, the A4 print with its QR) and the checkpoint's scan page
(freight passes and essential workers' work passes, at once)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.areas.columns import AreaColumn
from fangkong.core.actors import AuthedRequest
from fangkong.core.errors import DomainError
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.views.generic import (
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ServiceFormView,
)
from fangkong.logistics import selectors, services
from fangkong.logistics.choices import MovementKind, PassStatus
from fangkong.logistics.filters import PassFilter, PointFilter
from fangkong.logistics.forms import MoveForm, PassForm, PointForm
from fangkong.logistics.models import FreightPass, StockPoint
from fangkong.logistics.services.passes import PASS_QR_PREFIX
from fangkong.workforce.services.compliance import PASS_PREFIX
from fangkong.workforce.views import qr_svg


def _need(request: AuthedRequest, permission: str) -> None:
    if not request.user.is_authenticated or not request.user.can(permission):
        raise PermissionDenied


class PointListView(ObjectListView):
    permission = "supply.view"
    title = gettext_lazy("Supplies and protective equipment")
    filterset_class = PointFilter
    default_order = "name"
    create_url = reverse_lazy("logistics:point_create")
    columns = [
        Column("name", gettext_lazy("Name"), order_by="name", link=True),
        Column("kind", gettext_lazy("Kind"), accessor="get_kind_display"),
        AreaColumn("area", gettext_lazy("Area")),
    ]

    def get_queryset(self):
        return StockPoint.objects.select_related("area")

    def can_create(self):
        return self.request.user.can("supply.manage")

    def extra_context(self):
        return {"template_extra": "logistics/_running_out.html",
                "short": selectors.running_out(self.request.user)}  # fmt: skip


class PointCreateView(ServiceFormView):
    permission = "supply.manage"
    form_class = PointForm
    title = gettext_lazy("New stock point")

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def perform(self, form):
        return services.create_point(by=self.request.user, **form.cleaned_data)


class PointDetailView(ObjectDetailView):
    permission = "supply.view"
    template_name = "logistics/point_detail.html"
    model = StockPoint

    def get_context(self, obj):
        return {
            "object": obj,
            "lines": selectors.stock_lines(self.request.user, point=obj),
            "moves": obj.movements.select_related("item")[:30],
            "can_manage": self.request.user.can("supply.manage"),
            "form": MoveForm(),
        }


class MoveView(ObjectFormView):
    permission = "supply.manage"
    model = StockPoint
    form_class = MoveForm
    title = gettext_lazy("Receipt or use")

    def perform(self, form):
        d = form.cleaned_data
        verb = services.receive if d["kind"] == MovementKind.RECEIPT else services.use
        verb(self.object, d["item"], d["quantity"], by=self.request.user, note=d["note"])
        return self.object


class PassListView(ObjectListView):
    permission = "freight_pass.view"
    title = gettext_lazy("Freight passes")
    filterset_class = PassFilter
    default_order = "-pk"
    create_url = reverse_lazy("logistics:pass_apply")
    columns = [
        Column("number", gettext_lazy("Pass number"), order_by="number", link=True),
        Column("plate", gettext_lazy("Plate"), order_by="plate"),
        Column("goods_class", gettext_lazy("Goods class"), accessor="get_goods_class_display"),
        Column("route", gettext_lazy("Route"), accessor=lambda p: f"{p.origin} → {p.destination}"),
        Column("valid_to", gettext_lazy("Valid to"), order_by="valid_to"),
        Column("status", gettext_lazy("Status"), accessor="get_status_display", order_by="status"),
    ]

    def can_create(self):
        return self.request.user.can("freight_pass.apply")


class PassApplyView(ServiceFormView):
    permission = "freight_pass.apply"
    form_class = PassForm
    title = gettext_lazy("Apply for a freight pass")

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def perform(self, form):
        d = dict(form.cleaned_data)
        crew = [services.CrewData(d.pop("driver_name"), d.pop("driver_id"), d.pop("driver_phone"),
                                  d.pop("driver_tested_at"))]  # fmt: skip
        return services.apply(by=self.request.user, data=services.PassApplication(crew=crew, **d))


class PassDetailView(ObjectDetailView):
    permission = "freight_pass.view"
    template_name = "logistics/pass_detail.html"
    model = FreightPass

    def get_context(self, obj):
        return {
            "object": obj,
            "crew": obj.crew.all(),
            "checks": obj.checks.all()[:20],
            "can_decide": self.request.user.can("freight_pass.decide"),
        }


def pass_print(request: AuthedRequest, pk: int) -> HttpResponse:
    """The pass on an A4 page with its QR (print from the browser; paper and electronic
    are equal)."""
    _need(request, "freight_pass.view")
    fp = get_visible_or_404(FreightPass, request.user, pk=pk)
    if fp.status != PassStatus.APPROVED:
        messages.error(request, _("Only an approved pass can be printed."))
        return redirect(fp.get_absolute_url())
    return render(request, "logistics/pass_print.html", {
        "title": _("Freight pass %(n)s") % {"n": fp.number}, "p": fp, "crew": fp.crew.all(),
        "qr": qr_svg(PASS_QR_PREFIX + fp.number),
    })  # fmt: skip


@require_POST
def pass_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    _need(request, "freight_pass.view")
    fp = get_visible_or_404(FreightPass, request.user, pk=pk)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        if action == "approve":
            services.approve(fp, by=request.user)
        elif action == "refuse":
            services.refuse(fp, by=request.user, reason=reason)
        elif action == "revoke":
            services.revoke(fp, by=request.user, reason=reason)
        else:
            messages.error(request, _("Unknown action."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(fp.get_absolute_url())


def scan(request: AuthedRequest) -> HttpResponse:
    """The checkpoint's fast lane: a freight pass number or QR, or a work pass QR; the
    verdict at once. Drivers are never held for a result: the page says valid, expired,
    not yet valid or revoked, nothing else."""
    user = request.user
    if not user.is_authenticated or not (
        user.can("freight_pass.verify") or user.can("work_pass.verify")
    ):
        raise PermissionDenied
    code = (request.POST.get("code") if request.method == "POST" else request.GET.get("code")) or ""
    code = code.strip()
    ctx: dict = {"title": _("Checkpoint scan"), "code": code}
    if code:
        try:
            if code.startswith(PASS_PREFIX):
                _need(request, "work_pass.verify")
                from fangkong.workforce.services.compliance import verify_work_pass

                ctx["work"] = verify_work_pass(code)
            else:
                _need(request, "freight_pass.verify")
                if request.method == "POST":  # recorded (against the open shift, if any)
                    ctx["freight"] = services.verify_on_shift(
                        code, by=user, checkpoint=request.POST.get("checkpoint", "")
                    )
                else:
                    ctx["freight"] = services.verify_freight_pass(code)
        except DomainError as exc:
            ctx["error"] = str(exc.message)
    template = "logistics/_scan_result.html" if request.htmx else "logistics/scan.html"
    return render(request, template, ctx, status=422 if "error" in ctx else 200)


@require_POST
def checkpoint_pass(request: AuthedRequest, pk: int) -> HttpResponse:
    """The freight pass section of a checkpoint's phone page (core.slots): the verdict for
    the number scanned or typed, recorded at that checkpoint."""
    from fangkong.checkpoints.models import Checkpoint

    _need(request, "freight_pass.verify")
    cp = get_visible_or_404(Checkpoint, request.user, pk=pk)
    ctx: dict = {"code": (request.POST.get("pass_code") or "").strip()}
    try:
        ctx["freight"] = services.verify_at_checkpoint(ctx["code"], checkpoint=cp, by=request.user)
    except DomainError as exc:
        ctx["error"] = str(exc.message)
    return render(
        request, "logistics/_scan_result.html", ctx, status=422 if "error" in ctx else 200
    )
