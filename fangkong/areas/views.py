"""Pages of the grid: browse with people counts, area detail and edit, import, who answers
for each area, and the areas with no one assigned."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from fangkong.areas import selectors
from fangkong.areas.choices import AreaLevel
from fangkong.areas.forms import AreaCreateForm, AreaEditForm, AreaImportForm, AssignForm
from fangkong.areas.models import Area
from fangkong.areas.services import (
    AreaImportFailed,
    assign_responsibility,
    create_area,
    end_responsibility,
    import_areas,
    update_area,
)
from fangkong.core.errors import DomainError
from fangkong.core.models import User
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.views.generic import ServiceFormView, add_domain_error


def _need(request, action: str) -> None:
    if not request.user.can(action):
        raise PermissionDenied


def _area(request, pk) -> Area:
    return get_visible_or_404(Area, request.user, pk=pk)


def show_full_phones(user) -> bool:
    """Those who keep the assignments see the numbers they keep."""
    return user.can("responsibility.manage")


@login_required
def area_tree(request):
    """The user's part of the grid with people counts; levels open on demand (htmx)."""
    _need(request, "area.view")
    nodes = selectors.children_with_counts(request.user, None)
    return render(
        request,
        "areas/area_tree.html",
        {
            "nodes": nodes,
            "can_manage": request.user.can("area.manage"),
            "can_assign": request.user.can("responsibility.manage"),
        },
    )


@login_required
def area_children(request, pk):
    _need(request, "area.view")
    area = _area(request, pk)
    nodes = selectors.children_with_counts(request.user, area)
    return render(request, "areas/_children.html", {"nodes": nodes, "parent": area})


@login_required
def area_detail(request, pk):
    _need(request, "area.view")
    area = _area(request, pk)
    ancestors = selectors.areas_for(request.user).filter(path__in=area.ancestor_paths()[:-1])
    nodes = selectors.children_with_counts(request.user, area)
    total = selectors.person_counts(request.user, [area]).get(area.pk, 0)
    assigned = selectors.responsibilities_for(request.user).filter(area=area).active()
    chain = selectors.responsibility_chain(area)
    return render(
        request,
        "areas/area_detail.html",
        {
            "area": area,
            "ancestors": ancestors.order_by("depth"),
            "nodes": nodes,
            "persons": total,
            "assigned": assigned.order_by("role", "floor", "pk"),
            "chain": [link for link in chain if link.area.pk != area.pk],
            "full": show_full_phones(request.user),
            "can_manage": request.user.can("area.manage"),
            "can_assign": request.user.can("responsibility.manage"),
        },
    )


class AreaImportView(ServiceFormView):
    permission = "area.manage"
    form_class = AreaImportForm
    template_name = "areas/area_import.html"
    title = gettext_lazy("Import areas")

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST, request.FILES or None)
        if form.is_valid():
            try:
                result = import_areas(form.cleaned_data["file"], by=request.user)
            except AreaImportFailed as exc:
                ctx = self.context(form) | {"row_errors": exc.rows, "summary": str(exc.message)}
                return render(request, self.template_name, ctx, status=422)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    ngettext("%(n)d area imported.", "%(n)d areas imported.", result.created)
                    % {"n": result.created},
                )
                return HttpResponseRedirect(reverse("areas:area_tree"))
        return render(request, self.template_name, self.context(form), status=422)


class _InAreaMixin:
    """A form about one area: another area's form does not exist (404)."""

    def get(self, request, *args, **kwargs):
        _area(request, kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def context(self, form):
        return super().context(form) | {"area": _area(self.request, self.kwargs["pk"])}


class AreaCreateView(_InAreaMixin, ServiceFormView):
    permission = "area.manage"
    form_class = AreaCreateForm
    title = gettext_lazy("New area")

    def perform(self, form):
        parent = _area(self.request, self.kwargs["pk"])
        return create_area(by=self.request.user, parent=parent, **form.cleaned_data)

    def success_url(self, result) -> str:
        return reverse("areas:area_detail", args=[result.pk])


class AreaEditView(_InAreaMixin, ServiceFormView):
    permission = "area.manage"
    form_class = AreaEditForm
    title = gettext_lazy("Edit area")

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def get_initial(self):
        area = _area(self.request, self.kwargs["pk"])
        parent = Area.objects.get_parent(area) if area.depth > 1 else None
        return {"name": area.name, "kind": area.kind, "parent": parent.pk if parent else None}

    def perform(self, form):
        area = _area(self.request, self.kwargs["pk"])
        return update_area(
            area,
            by=self.request.user,
            name=form.cleaned_data["name"],
            kind=form.cleaned_data["kind"],
            parent=form.cleaned_data["parent"],
        )

    def success_url(self, result) -> str:
        return reverse("areas:area_detail", args=[result.pk])


class AssignView(_InAreaMixin, ServiceFormView):
    permission = "responsibility.manage"
    form_class = AssignForm
    title = gettext_lazy("Assign someone to this area")

    def perform(self, form):
        area = _area(self.request, self.kwargs["pk"])
        data = form.cleaned_data
        user = None
        if data["username"]:
            username = data["username"].strip()
            user = get_visible_or_404(
                User, self.request.user, username=username, error_field="username"
            )
        assign_responsibility(
            by=self.request.user,
            area=area,
            role=data["role"],
            person_name=data["person_name"],
            title=data["title"],
            phone=data["phone"],
            floor=data["floor"],
            user=user,
            starts_on=data["starts_on"],
        )
        return area

    def success_url(self, result) -> str:
        return reverse("areas:area_detail", args=[result.pk])


@login_required
@require_POST
def responsibility_end(request, pk):
    _need(request, "responsibility.manage")
    resp = get_visible_or_404(selectors.responsibilities_for(request.user), request.user, pk=pk)
    try:
        end_responsibility(resp, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Assignment ended."))
    return HttpResponseRedirect(reverse("areas:area_detail", args=[resp.area_id]))


@login_required
def unassigned(request):
    """Areas of one level with no one answering for them."""
    _need(request, "responsibility.manage")
    try:
        level = int(request.GET.get("level", AreaLevel.VILLAGE))
    except ValueError:
        level = AreaLevel.VILLAGE
    if level not in selectors.UNASSIGNED_LEVELS:
        level = AreaLevel.VILLAGE
    qs = selectors.unassigned_areas(request.user, level)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    counts = selectors.unassigned_counts(request.user)
    levels = [(lv, AreaLevel(lv).label, counts[lv]) for lv in selectors.UNASSIGNED_LEVELS]
    return render(
        request,
        "areas/unassigned.html",
        {"level": level, "levels": levels, "page": page, "can_assign": True},
    )
