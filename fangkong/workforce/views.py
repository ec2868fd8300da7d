"""Pages of essential workers and rosters: the compliance list, employers and their
whitelist uploads, a worker's page and daily work pass, staff pools, rosters, my shifts."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
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
from fangkong.workforce import selectors, services
from fangkong.workforce.choices import WorkPassVerdict
from fangkong.workforce.filters import EmployerFilter, PoolFilter, WorkerFilter
from fangkong.workforce.forms import (
    AbsenceForm,
    EmployerForm,
    PoolForm,
    SolveForm,
    WhitelistForm,
    WorkerForm,
)
from fangkong.workforce.models import (
    Employer,
    Roster,
    StaffMember,
    StaffPool,
    WhitelistImport,
    Worker,
)
from fangkong.workforce.services.compliance import pass_payload, verdict_for
from fangkong.workforce.services.whitelist import import_jobs_for, template_headers


def _need(request: AuthedRequest, permission: str) -> None:
    if not request.user.is_authenticated or not request.user.can(permission):
        raise PermissionDenied


def qr_svg(text: str) -> str:
    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()


def _result(w: Worker) -> str:
    return w.get_last_result_display() or "—"


class ComplianceView(ObjectListView):
    permission = "worker.view"
    title = gettext_lazy("Essential workers: test compliance")
    filterset_class = WorkerFilter
    default_order = "next_due_on"
    create_url = reverse_lazy("workforce:employer_list")
    columns = [
        Column("name", gettext_lazy("Name"), accessor=lambda w: w.person.name, link=True),
        Column("employer", gettext_lazy("Employer"), accessor=lambda w: w.employer.name),
        Column("sector", gettext_lazy("Sector"), accessor=lambda w: w.sector.name),
        AreaColumn("area", gettext_lazy("Area")),
        Column("loop", gettext_lazy("Closed loop"), accessor="get_loop_state_display"),
        Column("last_sampled_at", gettext_lazy("Last sampled"), order_by="last_sampled_at"),
        Column("last_result", gettext_lazy("Last result"), accessor=_result),
        Column("next_due_on", gettext_lazy("Next test due"), order_by="next_due_on"),
    ]
    export_permission = "worker.view"
    export_name = "essential-workers"

    def get_queryset(self):
        return Worker.objects.filter(active=True).select_related(
            "person", "employer", "sector", "area"
        )

    def extra_context(self):
        return {"template_extra": None}


class EmployerListView(ObjectListView):
    permission = "worker.view"
    title = gettext_lazy("Employers of essential workers")
    filterset_class = EmployerFilter
    default_order = "name"
    create_url = reverse_lazy("workforce:employer_create")
    columns = [
        Column("name", gettext_lazy("Name"), order_by="name", link=True),
        Column("sector", gettext_lazy("Sector"), accessor=lambda e: e.sector.name),
        AreaColumn("area", gettext_lazy("Area")),
        Column("contact_name", gettext_lazy("Contact")),
    ]

    def get_queryset(self):
        return Employer.objects.select_related("sector", "area")

    def can_create(self):
        return self.request.user.can("employer.manage")


class EmployerCreateView(ServiceFormView):
    permission = "employer.manage"
    form_class = EmployerForm
    title = gettext_lazy("Register an employer")

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def perform(self, form):
        return services.create_employer(
            by=self.request.user, data=services.EmployerData(**form.cleaned_data)
        )


class EmployerDetailView(ObjectDetailView):
    permission = "worker.view"
    template_name = "workforce/employer_detail.html"
    model = Employer

    def get_context(self, obj):
        user = self.request.user
        rows = [r for r in selectors.compliance_by(user, "employer") if r.key == obj.pk]
        return {
            "object": obj,
            "row": rows[0] if rows else None,
            "can_manage": user.can("worker.manage"),
            "worker_form": WorkerForm(),
            "upload_form": WhitelistForm(),
            "headers": template_headers(),
            "imports": import_jobs_for(user).filter(employer=obj)[:10],
        }


class AddWorkerView(ObjectFormView):
    permission = "worker.manage"
    model = Employer
    form_class = WorkerForm
    title = gettext_lazy("Add a worker to the whitelist")

    def perform(self, form):
        worker, _created = services.add_worker(
            self.object, by=self.request.user, **form.cleaned_data
        )
        return worker


class UploadWhitelistView(ObjectFormView):
    permission = "worker.manage"
    model = Employer
    form_class = WhitelistForm
    title = gettext_lazy("Upload a whitelist")

    def perform(self, form):
        f = form.cleaned_data["file"]
        return services.start_whitelist_import(
            self.object, by=self.request.user, filename=f.name, content=f.read(),
            mode=form.cleaned_data["mode"],
        )  # fmt: skip


class ImportDetailView(ObjectDetailView):
    permission = "worker.manage"
    template_name = "workforce/import_detail.html"
    model = WhitelistImport

    def get_queryset(self):
        return import_jobs_for(self.request.user)

    def get_context(self, obj):
        return {"object": obj, "errors": obj.row_errors.all()[:500]}


class WorkerDetailView(ObjectDetailView):
    permission = "worker.view"
    template_name = "workforce/worker_detail.html"
    model = Worker

    def get_queryset(self):
        return Worker.objects.select_related("person", "employer", "sector", "area")

    def get_context(self, obj):
        user = self.request.user
        today = timezone.localdate()
        return {
            "object": obj,
            "verdict": WorkPassVerdict(verdict_for(obj, today)).label,
            "can_manage": user.can("worker.manage"),
            "can_loop": user.can("worker.loop"),
        }


def work_pass(request: AuthedRequest, pk: int) -> HttpResponse:
    """The worker's daily work pass: a QR the checkpoint scans, and today's verdict."""
    _need(request, "worker.view")
    worker = get_visible_or_404(
        Worker.objects.select_related("person", "employer"), request.user, pk=pk
    )
    today = timezone.localdate()
    verdict = WorkPassVerdict(verdict_for(worker, today)).label
    return render(request, "workforce/work_pass.html", {
        "title": _("Daily work pass"), "worker": worker, "verdict": verdict, "today": today,
        "qr": qr_svg(pass_payload(worker)), "payload": pass_payload(worker),
    })  # fmt: skip


@require_POST
def worker_action(request: AuthedRequest, pk: int) -> HttpResponse:
    """Enter or leave the closed loop, or take the worker off the whitelist."""
    _need(request, "worker.view")
    worker = get_visible_or_404(
        Worker.objects.select_related("employer", "person"), request.user, pk=pk
    )
    action = request.POST.get("action", "")
    try:
        if action == "enter":
            services.enter_loop(worker, by=request.user, place=request.POST.get("place", ""))
        elif action == "leave":
            services.leave_loop(worker, by=request.user)
        elif action == "remove":
            services.remove_worker(worker, by=request.user, reason=request.POST.get("reason", ""))
        else:
            messages.error(request, _("Unknown action."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(worker.get_absolute_url())


# --- rosters ------------------------------------------------------------------------------


class PoolListView(ObjectListView):
    permission = "roster.view"
    title = gettext_lazy("Frontline staff pools and rosters")
    filterset_class = PoolFilter
    default_order = "name"
    create_url = reverse_lazy("workforce:pool_create")
    columns = [
        Column("name", gettext_lazy("Name"), order_by="name", link=True),
        Column("kind", gettext_lazy("Kind"), accessor="get_kind_display"),
        AreaColumn("area", gettext_lazy("Area")),
    ]

    def get_queryset(self):
        return StaffPool.objects.select_related("area")

    def can_create(self):
        return self.request.user.can("roster.manage")


class PoolCreateView(ServiceFormView):
    permission = "roster.manage"
    form_class = PoolForm
    title = gettext_lazy("New staff pool")

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def perform(self, form):
        d = form.cleaned_data
        rules = {k: d[k] for k in ("max_hours_day", "max_hours_week", "min_rest_hours",
                                   "min_days_off_week")}  # fmt: skip
        return services.create_pool(by=self.request.user, name=d["name"], kind=d["kind"],
                                    area=d["area"], rules=rules)  # fmt: skip


class PoolDetailView(ObjectDetailView):
    permission = "roster.view"
    template_name = "workforce/pool_detail.html"
    model = StaffPool

    def get_context(self, obj):
        return {
            "object": obj,
            "members": obj.members.filter(active=True),
            "posts": obj.posts.all(),
            "rosters": obj.rosters.all()[:10],
            "can_manage": self.request.user.can("roster.manage"),
            "solve_form": SolveForm(initial={"start": timezone.localdate(), "days": 7}),
        }


class SolveView(ObjectFormView):
    permission = "roster.manage"
    model = StaffPool
    form_class = SolveForm
    title = gettext_lazy("Make a roster")

    def perform(self, form):
        return services.solve_roster(self.object, by=self.request.user, **form.cleaned_data)


class RosterDetailView(ObjectDetailView):
    permission = "roster.view"
    template_name = "workforce/roster_detail.html"
    model = Roster

    def get_queryset(self):
        return Roster.objects.select_related("pool")

    def get_context(self, obj):
        rows = obj.assignments.select_related("member", "post").order_by("day", "starts_at", "post")
        return {
            "object": obj,
            "assignments": rows,
            "hours": sorted(selectors.hours_by_member(obj).items()),
            "can_manage": self.request.user.can("roster.manage"),
            "members": obj.pool.members.filter(active=True),
            "absence_form": AbsenceForm(),
        }


@require_POST
def roster_action(request: AuthedRequest, pk: int) -> HttpResponse:
    """Publish the roster, or record an absence (sick day, swap) and re-solve around it."""
    _need(request, "roster.view")
    roster = get_visible_or_404(Roster.objects.select_related("pool__area"), request.user, pk=pk)
    target = roster
    try:
        if request.POST.get("action") == "publish":
            services.publish(roster, by=request.user)
        else:
            form = AbsenceForm(request.POST)
            if not form.is_valid():
                raise DomainError(_("Choose a staff member, a day and a kind."), field="member")
            member = get_visible_or_404(
                StaffMember.objects.filter(pool=roster.pool),
                request.user,
                pk=form.cleaned_data["member"],
            )
            services.record_absence(member, by=request.user, day=form.cleaned_data["day"],
                                    kind=form.cleaned_data["kind"])  # fmt: skip
            target = services.resolve_around(roster, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(target.get_absolute_url())


def my_shifts(request: AuthedRequest) -> HttpResponse:
    """The signed-in person's published shifts."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    return render(request, "workforce/my_shifts.html", {
        "title": _("My shifts"), "shifts": selectors.my_shifts(request.user),
    })  # fmt: skip


def compliance_summary(request: AuthedRequest) -> HttpResponse:
    """Counts per sector, employer and township."""
    _need(request, "worker.view")
    group = request.GET.get("by", "sector")
    if group not in {"sector", "employer", "township"}:
        group = "sector"
    return render(request, "workforce/summary.html", {
        "title": _("Test compliance by %(g)s") % {"g": {"sector": _("sector"), "employer": _("employer"),
                                                        "township": _("township")}[group]},
        "rows": selectors.compliance_by(request.user, group), "group": group,
        "url": reverse("workforce:compliance"),
    })  # fmt: skip
