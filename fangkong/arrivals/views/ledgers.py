"""Pages of the risk areas elsewhere (origins), the residents-elsewhere ledger and the risk
areas designated on the county's grid."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.areas.columns import AreaColumn
from fangkong.arrivals import selectors, services, sheet
from fangkong.arrivals.choices import DesignationStatus
from fangkong.arrivals.filters import AwayFilter, DesignationFilter, OriginFilter
from fangkong.arrivals.forms import AwayForm, DesignationForm, LiftForm, OriginForm, UploadForm
from fangkong.arrivals.models import LedgerImport, ResidentAway, RiskDesignation
from fangkong.arrivals.services import imports
from fangkong.checkpoints.decisions import table_for
from fangkong.core.actors import AuthedRequest
from fangkong.core.errors import DomainError
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.uploads import read_upload
from fangkong.core.views.generic import Column, ObjectDetailView, ObjectListView, ServiceFormView
from fangkong.core.views.imports import ImportErrorReportView, ImportJobDetailView
from fangkong.sites.views import _need


# --- origins ---------------------------------------------------------------------------------
class OriginListView(ObjectListView):
    permission = "arrival.view"
    title = gettext_lazy("Risk areas elsewhere (外地风险区)")
    template_name = "arrivals/list_with_import.html"
    filterset_class = OriginFilter
    default_order = "province"
    create_url = reverse_lazy("arrivals:origin_create")
    columns = [
        Column("level", gettext_lazy("Risk level"), accessor="get_level_display", order_by="level"),
        Column("place", gettext_lazy("Place"), accessor=str),
        Column("effective_from", gettext_lazy("In force from"), order_by="effective_from"),
        Column("effective_to", gettext_lazy("In force until")),
        Column("version", gettext_lazy("Version")),
        Column("superseded_at", gettext_lazy("Replaced at")),
        Column("source", gettext_lazy("Source")),
    ]

    def can_create(self):
        return self.request.user.can("origin.manage")

    def extra_context(self):
        return {"import_url": reverse("arrivals:origin_import") if self.can_create() else None}


class OriginCreateView(ServiceFormView):
    permission = "origin.manage"
    form_class = OriginForm
    title = gettext_lazy("Declare a risk area elsewhere (a change is a new version)")

    def perform(self, form):
        return services.save_origin(services.OriginData(**form.cleaned_data), by=self.request.user)


def _import(request: AuthedRequest, kind: str, title: str) -> HttpResponse:
    """The upload page of a ledger sheet: a readable file is queued and its page shown."""
    _need(request, imports.LEDGERS[LedgerImport.Kind(kind)].permission)
    form = UploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = read_upload(upload, max_bytes=sheet.MAX_BYTES)
            job = imports.start_ledger_import(
                kind=kind, by=request.user, filename=upload.name, content=content
            )
        except DomainError as exc:
            errors = [f"{k}: {m}" for k, ms in exc.fields.items() for m in ms] or [str(exc.message)]
        else:
            return redirect(job.get_absolute_url())
    ctx = {
        "title": title,
        "form": form,
        "errors": errors,
        "jobs": imports.ledger_imports_for(request.user).filter(kind=kind)[:10],
    }
    return render(request, "arrivals/import.html", ctx, status=422 if errors else 200)


def origin_import(request: AuthedRequest) -> HttpResponse:
    return _import(request, LedgerImport.Kind.ORIGINS, _("Import risk areas elsewhere"))


class LedgerImportDetailView(ImportJobDetailView):
    permission = "arrival.view"
    title = gettext_lazy("Import")
    template_name = "arrivals/import_detail.html"
    progress_template_name = "arrivals/_import_progress.html"

    def get_job(self, user, pk):
        return imports.get_ledger_import(user, pk)


class LedgerImportErrorReportView(ImportErrorReportView):
    permission = "arrival.view"
    filename_prefix = "ledger-import"

    def get_job(self, user, pk):
        return imports.get_ledger_import(user, pk)


# --- residents away ----------------------------------------------------------------------------
class AwayListView(ObjectListView):
    permission = "arrival.view"
    title = gettext_lazy("Residents elsewhere (在外人员台账)")
    template_name = "arrivals/list_with_import.html"
    filterset_class = AwayFilter
    default_order = "name"
    export_permission = "arrival.export"
    export_name = "residents-away"
    create_url = reverse_lazy("arrivals:away_create")
    columns = [
        Column("name", gettext_lazy("Name"), order_by="name"),
        Column(
            "id_number",
            gettext_lazy("Document number"),
            accessor="id_number_masked",
            full="id_number",
        ),
        AreaColumn("area", gettext_lazy("Home village")),
        Column("whereabouts_province", gettext_lazy("Where: province")),
        Column("whereabouts_city", gettext_lazy("Where: city")),
        Column("away_since", gettext_lazy("Away since"), order_by="away_since"),
        Column("expected_return", gettext_lazy("Expected return"), order_by="expected_return"),
        Column("status", gettext_lazy("Status"), accessor="get_status_display"),
    ]

    def get_queryset(self):
        return ResidentAway.objects.select_related("area")

    def can_create(self):
        return self.request.user.can("arrival.manage")

    def extra_context(self):
        return {"import_url": reverse("arrivals:away_import") if self.can_create() else None}


class AwayCreateView(ServiceFormView):
    permission = "arrival.manage"
    form_class = AwayForm
    title = gettext_lazy("Enter a resident away")

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def perform(self, form):
        values = dict(form.cleaned_data)
        area = values.pop("area")
        services.record_away(services.AwayData(**values, area_id=area.pk), by=self.request.user)
        return None

    def success_url(self, result):
        return reverse("arrivals:away_list")


def away_import(request: AuthedRequest) -> HttpResponse:
    return _import(request, LedgerImport.Kind.AWAY, _("Import residents away"))


# --- risk designations on the grid --------------------------------------------------------------
def _clean_days(d: RiskDesignation) -> int:
    if d.status != DesignationStatus.ACTIVE:
        return d.clean_days_at_lift or 0
    return selectors.clean_days(d)  # the list's rows carry their last infection


class DesignationListView(ObjectListView):
    permission = "riskarea.view"
    title = gettext_lazy("Risk areas in the county (风险区)")
    filterset_class = DesignationFilter
    default_order = "status"
    create_url = reverse_lazy("arrivals:designation_create")
    columns = [
        AreaColumn("area", gettext_lazy("Area"), link=True),
        Column("level", gettext_lazy("Risk level"), accessor="get_level_display", order_by="level"),
        Column("starts_on", gettext_lazy("From"), order_by="starts_on"),
        Column("measures", gettext_lazy("Measures")),
        Column("status", gettext_lazy("Status"), accessor="get_status_display", order_by="status"),
        Column("clean", gettext_lazy("Days without infection"), accessor=_clean_days),
        Column("lifted_at", gettext_lazy("Lifted at")),
    ]

    def get_queryset(self):
        # the days without infection of every row read in the list's own query, not per row
        qs = selectors.with_last_infection(RiskDesignation.objects.select_related("area"))
        if self.request.GET.get("due") == "1":
            qs = qs.filter(pk__in=selectors.due_lift_ids(self.request.user))
        return qs

    def can_create(self):
        return self.request.user.can("riskarea.designate")


class DesignationCreateView(ServiceFormView):
    permission = "riskarea.designate"
    form_class = DesignationForm
    title = gettext_lazy("Designate a risk area")

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def perform(self, form):
        return services.designate(by=self.request.user, **form.cleaned_data)


class DesignationDetailView(ObjectDetailView):
    permission = "riskarea.view"
    template_name = "arrivals/designation_detail.html"
    model = RiskDesignation

    def get_queryset(self):
        return RiskDesignation.objects.select_related("area", "lifted_by")

    def get_context(self, obj):
        user = self.request.user
        people = selectors.residents_inside(obj).visible_to(user)  # type: ignore[attr-defined]
        page = Paginator(people.order_by("area__path", "name").select_related("area"), 50).get_page(
            self.request.GET.get("page")
        )
        active = obj.status == DesignationStatus.ACTIVE
        last = selectors.last_infection(obj.area.path)
        clean = selectors.clean_days(obj, last=last.day) if active else _clean_days(obj)
        need = table_for(timezone.localdate()).risk_area_clean_days  # as the lift service
        return {
            "object": obj,
            "title": str(obj),
            "clean": clean,
            "need": need,
            "last": last,
            "lift_on": selectors.lift_on(obj, last.day, need) if active else None,
            "due": active and clean >= need,
            "people_count": page.paginator.count,
            "page": page,
            "can_lift": obj.status == DesignationStatus.ACTIVE and user.can("riskarea.lift"),
            "lift_form": LiftForm(),
            "history": RiskDesignation.objects.visible_to(user)
            .filter(area=obj.area)
            .exclude(pk=obj.pk),
        }


@require_POST
def designation_lift(request: AuthedRequest, pk: int) -> HttpResponse:
    _need(request, "riskarea.lift")
    d = get_visible_or_404(RiskDesignation.objects.select_related("area"), request.user, pk=pk)
    form = LiftForm(request.POST)
    if form.is_valid():
        try:
            services.lift(d, reason=form.cleaned_data["reason"], by=request.user)
        except DomainError as exc:
            messages.error(
                request,
                "; ".join(str(m) for ms in exc.fields.values() for m in ms) or str(exc.message),
            )
        else:
            messages.success(request, _("Lifted."))
    return redirect(d.get_absolute_url())
