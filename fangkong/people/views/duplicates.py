from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fangkong.areas.models import Area
from fangkong.core.errors import DomainError
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.views.generic import add_domain_error
from fangkong.core.views.mixins import PermissionMixin
from fangkong.people import duplicates, selectors, services
from fangkong.people.forms import MergeForm
from fangkong.people.services.merge import related_reference_count

REASONS = {
    "same_id": gettext_lazy("Same document number, registered in two places"),
    "name_birth": gettext_lazy("Same name and birth date"),
    "name_phone": gettext_lazy("Same name and phone"),
}


class DuplicateListView(PermissionMixin, View):
    permission = "person.merge"

    def get(self, request):
        # pages of groups: every group on one page read 200 groups' records (400 persons,
        # their areas and households, the numbers decrypted to be masked) on every view
        size = settings.FANGKONG_PAGE_SIZE
        last = max(1, 200 // size)  # the list has held 200 groups at most
        raw = request.GET.get("page", "1")
        page = min(max(1, int(raw)), last) if raw.isdigit() else 1
        upto = selectors.likely_duplicates(request.user, limit=page * size + 1)
        groups = upto[(page - 1) * size : page * size]
        for g in groups:
            g.reason_label = REASONS[g.reason]
        Area.label_paths(p.area for g in groups for p in g.persons)
        ctx = {
            "title": gettext_lazy("Likely duplicates"),
            "groups": groups,
            "page": page,
            "previous_page": page - 1 if page > 1 else None,
            "next_page": page + 1 if len(upto) > page * size and page < last else None,
        }
        if request.user.can("person.rescan_duplicates"):
            ctx["scan"] = duplicates.last_scan()
            ctx["can_rescan"] = True
        return render(request, "people/duplicates.html", ctx)


class RescanView(PermissionMixin, View):
    """Start a full rescan for duplicates (refused while one runs)."""

    permission = "person.rescan_duplicates"

    def post(self, request):
        try:
            duplicates.start_rescan(by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("The rescan has started; the list is rebuilt when it ends.")
            )
        return HttpResponseRedirect(reverse("people:duplicates"))


class MergeView(PermissionMixin, View):
    """Compare two records and keep one (``?a=<id>&b=<id>``)."""

    permission = "person.merge"
    template_name = "people/merge.html"

    def persons(self, request):
        ids = [request.GET.get("a"), request.GET.get("b")]
        if not all(i and i.isdigit() for i in ids) or ids[0] == ids[1]:
            raise Http404
        visible = selectors.persons_for(request.user)
        persons = [get_visible_or_404(visible, request.user, pk=i) for i in ids]
        for p in persons:
            p.references = related_reference_count(p)
        Area.label_paths(p.area for p in persons)
        return persons

    def render_form(self, request, form, persons, status=200):
        ctx = {"title": _("Merge two records"), "form": form, "persons": persons}
        return render(request, self.template_name, ctx, status=status)

    def get(self, request):
        persons = self.persons(request)
        return self.render_form(request, MergeForm(persons=persons), persons)

    def post(self, request):
        persons = self.persons(request)
        form = MergeForm(request.POST, persons=persons)
        if form.is_valid():
            keep = next(p for p in persons if str(p.pk) == form.cleaned_data["keep"])
            drop = next(p for p in persons if p is not keep)
            try:
                services.merge_persons(keep, drop, by=request.user)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("The two records were merged."))
                return HttpResponseRedirect(reverse("people:person_detail", args=[keep.pk]))
        return self.render_form(request, form, persons, status=422)
