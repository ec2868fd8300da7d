from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.timeline import timeline_of
from fangkong.core.views.generic import Column, ObjectDetailView, ObjectListView, ServiceFormView
from fangkong.people import selectors, services
from fangkong.people.filters import PersonFilter
from fangkong.people.forms import PersonForm


class PersonListView(ObjectListView):
    permission = "person.view"
    title = _("Persons")
    filterset_class = PersonFilter
    export_permission = "person.export"
    export_name = "persons"
    default_order = "pk"
    create_url = "/people/persons/new/"
    columns = [
        Column("name", _("Name"), order_by="name", link=True),
        Column("id_number", _("Document number"), accessor="id_number_masked", full="id_number"),
        Column("sex", _("Sex"), accessor="get_sex_display"),
        Column("birth_date", _("Birth date"), order_by="birth_date"),
        Column("phone", _("Phone"), accessor="phone_masked", full="phone"),
        Column("area", _("Area"), accessor="area.name"),
    ]

    def get_queryset(self):
        return selectors.persons_for(self.request.user)

    def can_create(self):
        return self.request.user.can("person.edit")


class PersonDetailView(ObjectDetailView):
    permission = "person.view"
    template_name = "people/person_detail.html"

    def get_queryset(self):
        return selectors.persons_for(self.request.user).select_related("household")

    def get_context(self, obj):
        return {
            "object": obj,
            "timeline": timeline_of(obj),
            "can_reveal": self.request.user.can("pii.reveal"),
        }


class PersonCreateView(ServiceFormView):
    permission = "person.edit"
    form_class = PersonForm
    title = _("Register a person")

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def perform(self, form):
        d = form.cleaned_data
        person, _created = services.create_person(
            by=self.request.user,
            area=d["area"],
            data=services.PersonData(
                name=d["name"],
                doc_type=d["doc_type"],
                id_number=d["id_number"],
                sex=d["sex"],
                birth_date=d["birth_date"],
                phone=d["phone"],
                notes=d["notes"],
            ),
        )
        return person

    def success_url(self, result):
        return reverse("people:person_detail", args=[result.pk])
