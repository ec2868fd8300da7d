from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View

from fangkong.areas.columns import AreaColumn
from fangkong.core import audit
from fangkong.core.errors import NotVisible, RateLimited
from fangkong.core.pii import may_reveal
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.timeline import timeline_of
from fangkong.core.views.errors import rate_limited
from fangkong.core.views.generic import (
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ServiceFormView,
)
from fangkong.core.views.mixins import PermissionMixin
from fangkong.people import selectors, services
from fangkong.people.filters import PersonFilter
from fangkong.people.forms import PersonEditForm, PersonForm
from fangkong.people.models import Household, Person


def _birth_year(person) -> int | str:
    return person.birth_date.year if person.birth_date else ""


class PersonListView(ObjectListView):
    """The person list and the search results page (``?q=``)."""

    permission = "person.view"
    title = _("Persons")
    empty_text = _("No person is registered in your areas yet.")
    template_name = "people/person_list.html"
    filterset_class = PersonFilter
    export_permission = "person.export"
    export_name = "persons"
    # By name, read in the name index's order for a county or a township (the walk): by
    # registration order, PostgreSQL walked the primary key from the county's first
    # person, and a township registered late read ~800,000 of them for a page (0.55 s)
    default_order = ("name", "pk")
    create_url = reverse_lazy("people:person_create")
    columns = [
        Column("name", _("Name"), order_by="name", link=True),
        Column("id_number", _("Document number"), accessor="id_number_masked", full="id_number"),
        Column("sex", _("Sex"), accessor="get_sex_display"),
        Column("phone", _("Phone"), accessor="phone_masked", full="phone"),
        AreaColumn("area", _("Area")),
    ]

    walk_orders = frozenset({"", "name"})

    def get_queryset(self):
        # scoped by the view (``visible_to``, or the ordered walk of a county by name)
        return selectors.active_persons()

    def get_columns(self):
        # The birth date for roles that may reveal, the year for the others (the year cannot
        # be sorted on: an order by date would give the day away).
        if may_reveal(self.request.user):
            birth = Column("birth_date", _("Birth date"), order_by="birth_date")
        else:
            birth = Column("birth_year", _("Birth year"), accessor=_birth_year)
        columns = list(self.columns)
        columns.insert(3, birth)
        return columns

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except RateLimited as exc:  # the search box, counted per user
            return rate_limited(request, exc)

    def can_create(self):
        return self.request.user.can("person.edit")

    def unfiltered_count(self):
        return selectors.persons_total(self.request.user)

    def extra_context(self):
        user = self.request.user
        return {"can_import": user.can("person.import"), "can_merge": user.can("person.merge")}


def _chain_context(request, person, *, full=False):
    floor = person.household.floor if person.household_id else None
    return {"chain": selectors.chain_for(person.area, floor=floor), "full": full, "person": person}


class PersonDetailView(ObjectDetailView):
    permission = "person.view"
    model = Person
    template_name = "people/person_detail.html"

    def get_queryset(self):
        return selectors.persons_for(self.request.user).select_related("household")

    def get_context(self, obj):
        user = self.request.user
        members = []
        if obj.household_id:
            members = list(
                selectors.persons_for(user).filter(household_id=obj.household_id).order_by("pk")
            )
        return {
            "object": obj,
            "members": members,
            "categories": list(obj.categories.all()),
            "timeline": timeline_of(obj),
            "can_reveal": user.can("pii.reveal"),
            "can_edit": user.can("person.edit"),
            **_chain_context(self.request, obj),
        }


class PersonChainRevealView(PermissionMixin, View):
    """The responsibility chain with full phone numbers (an htmx swap; audited)."""

    permission = "pii.reveal"

    def post(self, request, pk):
        person = get_visible_or_404(
            selectors.persons_for(request.user).select_related("household"), request.user, pk=pk
        )
        audit.record(audit.Action.REVEAL, person, by=request.user, detail="responsibility chain")
        return render(request, "people/_chain.html", _chain_context(request, person, full=True))


def _person_data(d):
    return services.PersonData(
        name=d["name"],
        doc_type=d["doc_type"],
        id_number=d["id_number"],
        sex=d["sex"],
        birth_date=d["birth_date"],
        phone=d["phone"],
        notes=d["notes"],
    )


def _household(user, pk):
    if not pk:
        return None
    return get_visible_or_404(Household, user, pk=pk, error_field="household")


class PersonCreateView(ServiceFormView):
    permission = "person.edit"
    form_class = PersonForm
    title = _("Register a person")

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def get_initial(self):
        wanted = self.request.GET.get("household")
        if not wanted:
            return {}
        try:
            household = get_visible_or_404(Household, self.request.user, pk=wanted)
        except NotVisible:  # a stale or foreign link: an empty form, not an error page
            return {}
        return {"household": household.pk, "area": household.area_id}

    def perform(self, form):
        d = form.cleaned_data
        person, _created = services.create_person(
            by=self.request.user,
            area=d["area"],
            data=_person_data(d),
            household=_household(self.request.user, d["household"]),
            categories=d["categories"],
        )
        return person

    def success_url(self, result):
        return reverse("people:person_detail", args=[result.pk])


class PersonEditView(ObjectFormView):
    permission = "person.edit"
    model = Person
    form_class = PersonEditForm
    title = _("Edit person")

    def get_queryset(self):
        return selectors.persons_for(self.request.user)

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def get_initial(self):
        p = self.object
        return {
            "area": p.area_id,
            "household": p.household_id,
            "name": p.name,
            "doc_type": p.doc_type,
            "id_number": p.id_number,
            "sex": p.sex,
            "birth_date": p.birth_date,
            "phone": p.phone,
            "categories": list(p.categories.all()),
            "notes": p.notes,
            "version": p.version,
        }

    def get(self, request, *args, **kwargs):
        # The form shows the document number and phone in full: a logged viewing.
        audit.record(audit.Action.REVEAL, self.object, by=request.user, detail="edit form")
        return super().get(request, *args, **kwargs)

    def perform(self, form):
        d = form.cleaned_data
        return services.update_person(
            self.object,
            by=self.request.user,
            area=d["area"],
            data=_person_data(d),
            household=_household(self.request.user, d["household"]),
            categories=d["categories"],
            version=d["version"],
        )

    def success_url(self, result):
        return reverse("people:person_detail", args=[result.pk])
