"""Pages of cases and contacts: the case list, registering a case, a case with its contacts
(one by one, many, or a workbook) and its transfer, contacts not under control, the
zero-community-case streak and the chains of transmission."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fangkong.areas.columns import AreaColumn
from fangkong.cases import graph, selectors, services
from fangkong.cases.choices import ContactKind
from fangkong.cases.filters import CaseFilter
from fangkong.cases.forms import CaseForm, CaseImportForm, ContactsForm, TransferForm
from fangkong.cases.models import Case, Contact
from fangkong.cases.services.case_import import import_cases
from fangkong.cases.services.contact_import import import_contacts
from fangkong.core.errors import DomainError, NotFound
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.views.generic import (
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ServiceFormView,
)
from fangkong.core.views.mixins import PermissionMixin
from fangkong.people.models import Person
from fangkong.people.services.persons import find_by_id_number
from fangkong.transfers import selectors as transfers
from fangkong.transfers.choices import RequestStatus, TransferKind
from fangkong.transfers.services import request_for_case, request_for_contact
from fangkong.transfers.services.links import FROM_CASES


def _person(user, id_number: str, field: str = "id_number") -> Person:
    person = find_by_id_number(id_number.strip().upper(), Person.objects.visible_to(user))
    if person is None:
        raise NotFound(
            _("No person with the ID number %(n)s in your areas.") % {"n": id_number[-4:]},
            field=field,
        )
    return person


class CaseListView(ObjectListView):
    permission = "case.view"
    title = gettext_lazy("Cases")
    filterset_class = CaseFilter
    default_order = "-reported_at"
    create_url = reverse_lazy("cases:case_create")
    columns = [
        Column("person", gettext_lazy("Name"), accessor="person.name", link=True),
        Column("kind", gettext_lazy("Kind"), accessor="get_kind_display"),
        Column("found", gettext_lazy("Found"), accessor="get_found_display", order_by="found"),
        Column("reported_at", gettext_lazy("Reported at"), order_by="reported_at"),
        Column("state", gettext_lazy("State"), accessor="get_state_display"),
        AreaColumn("area", gettext_lazy("Area")),
    ]

    def get_queryset(self):
        return Case.objects.select_related("person", "area")

    template_name = "cases/case_list.html"

    def can_create(self) -> bool:
        return self.request.user.can("case.register")

    def extra_context(self):
        return {"can_import": self.request.user.can("case.register")}


class CaseCreateView(ServiceFormView):
    permission = "case.register"
    form_class = CaseForm
    title = gettext_lazy("Register a case")

    def perform(self, form):
        d = form.cleaned_data
        person = _person(self.request.user, d["id_number"])
        return services.register_case(
            person, kind=d["kind"], sampled_at=d["sampled_at"],
            sampling_place=d["sampling_place"], note=d["note"], by=self.request.user,
        )  # fmt: skip


class CaseImportView(ServiceFormView):
    permission = "case.register"
    form_class = CaseImportForm
    title = gettext_lazy("Import cases from a workbook")

    def perform(self, form):
        made = import_cases(form.cleaned_data["file"].read(), by=self.request.user)
        messages.success(self.request, _("%(n)d case(s) imported.") % {"n": len(made)})
        return made

    def success_url(self, result) -> str:
        return reverse("cases:case_list")


class CaseDetailView(ObjectDetailView):
    permission = "case.view"
    model = Case
    template_name = "cases/case_detail.html"

    def get_queryset(self):
        return Case.objects.select_related("person", "area", "source_contact__case__person")

    def get_context(self, obj):
        user = self.request.user
        contacts = list(selectors.contacts_for(user).filter(case=obj).order_by("pk")[:500])
        with_transfers(user, contacts)
        return {
            "object": obj,
            "title": str(obj),
            "contacts": contacts,
            "can_contacts": user.can("contact.register"),
            "can_transfer": user.can("case.transfer"),
            "can_request": user.can("transfer.request"),
            "transfer_request": _open(
                transfers.requests_from(user, FROM_CASES, TransferKind.POSITIVE, [obj.pk]).get(
                    str(obj.pk)
                )
            ),
            "contacts_form": ContactsForm(),
            "transfer_form": TransferForm(),
        }


def with_transfers(user, contacts: list[Contact]) -> None:
    """Each contact with the site it is in (``in_site``) and the transfer asked for it
    (``transfer``), for the page to offer the transfer only to those it fits; two queries."""
    from fangkong.sites.selectors import open_stays_for

    sites = dict(
        open_stays_for(user)
        .filter(person_id__in=[c.person_id for c in contacts])
        .values_list("person_id", "site__name")
    )
    asked = transfers.requests_from(
        user, FROM_CASES, TransferKind.CLOSE_CONTACT, [c.pk for c in contacts]
    )
    for c in contacts:
        c.in_site = sites.get(c.person_id, "")
        c.transfer = _open(asked.get(str(c.pk)))
        c.sendable = c.kind == ContactKind.CLOSE and not c.in_site and c.transfer is None


def _open(req):
    """A request still standing (a cancelled one leaves the action offered again)."""
    return req if req is not None and req.status != RequestStatus.CANCELLED else None


class ContactsAddView(ObjectFormView):
    permission = "contact.register"
    model = Case
    form_class = ContactsForm
    title = gettext_lazy("Register contacts")

    def perform(self, form):
        d = form.cleaned_data
        by = self.request.user
        if d.get("file"):
            done = import_contacts(self.object, d["file"].read(), by=by)
        else:
            lines = [x for x in d["id_numbers"].split() if x.strip()]
            entries = [
                services.ContactEntry(person=_person(by, n, "id_numbers"), kind=d["kind"],
                                      last_exposure=d["last_exposure"])
                for n in lines
            ]  # fmt: skip
            done = services.register_contacts(self.object, entries, by=by)
        new = sum(r.created for r in done)
        linked = sum(r.linked for r in done)
        messages.success(
            self.request,
            _("%(n)d contact(s) registered, %(l)d linked to a control under way.")
            % {"n": new, "l": linked},
        )
        return self.object


class TransferView(ObjectFormView):
    permission = "case.transfer"
    model = Case
    form_class = TransferForm
    title = gettext_lazy("Transfer to a designated hospital")

    def perform(self, form):
        return services.record_transfer(
            self.object, hospital=form.cleaned_data["hospital"], by=self.request.user
        )


class RequestTransferView(PermissionMixin, View):
    """One action from the case's page: the case to the designated hospital, or one of its
    close contacts to centralized isolation (the transfers app's services)."""

    permission = "transfer.request"

    def post(self, request, pk, contact=None):
        case = get_visible_or_404(selectors.cases_for(request.user), request.user, pk=pk)
        c = None
        if contact is not None:  # another area's contact: a 404, not a message
            c = get_visible_or_404(selectors.contacts_for(request.user).filter(case=case),
                                   request.user, pk=contact)  # fmt: skip
        try:
            if c is None:
                req = request_for_case(case, by=request.user)
            else:
                req = request_for_contact(c, by=request.user)
            messages.success(request, _("Transfer request #%(n)s made.") % {"n": req.pk})
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return HttpResponseRedirect(case.get_absolute_url())


class UncontrolledView(ObjectListView):
    permission = "contact.register"
    title = gettext_lazy("Contacts not under control")
    default_order = "created_at"
    template_name = "cases/uncontrolled.html"
    columns = [
        Column("person", gettext_lazy("Name"), accessor="person.name"),
        Column("kind", gettext_lazy("Kind"), accessor="get_kind_display"),
        Column("control_note", gettext_lazy("Why not under control")),
        AreaColumn("area", gettext_lazy("Area")),
    ]

    def get_queryset(self):
        return selectors.uncontrolled_contacts(self.request.user)


class ControlContactView(PermissionMixin, View):
    permission = "contact.register"

    def post(self, request, pk):
        contact = get_visible_or_404(Contact.objects.all(), request.user, pk=pk)
        try:
            services.place_under_control(contact, by=request.user)
            messages.success(request, _("%(name)s is under control.") % {"name": contact.person})
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return HttpResponseRedirect(reverse("cases:uncontrolled"))


class StreakView(PermissionMixin, View):
    permission = "case.view"

    def get(self, request):
        board = selectors.streaks(request.user, timezone.localdate(), history_days=30)
        ctx = {"title": _("Days without a community case"), "board": board,
               "tracing": selectors.indicators(request.user)}  # fmt: skip
        return render(request, "cases/streak.html", ctx)


class ChainListView(PermissionMixin, View):
    permission = "case.view"

    def get(self, request):
        ctx = {"title": _("Chains of transmission"), "clusters": graph.clusters(request.user)}
        return render(request, "cases/chains.html", ctx)


class ChainView(PermissionMixin, View):
    permission = "case.view"

    def get(self, request, cluster):
        if not Case.objects.visible_to(request.user).filter(cluster=cluster).exists():
            raise Http404
        ctx = {"title": _("Chain %(n)s") % {"n": cluster}, "cluster": cluster,
               "data_url": f"/api/v1/cases/clusters/{int(cluster)}/graph"}  # fmt: skip
        return render(request, "cases/chain.html", ctx)
