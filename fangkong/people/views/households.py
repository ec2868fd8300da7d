from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _

from fangkong.areas.columns import AreaColumn
from fangkong.core.timeline import timeline_of
from fangkong.core.views.generic import (
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ServiceFormView,
)
from fangkong.people import selectors, services
from fangkong.people.filters import HouseholdFilter
from fangkong.people.forms import HouseholdForm
from fangkong.people.models import Household


class HouseholdListView(ObjectListView):
    permission = "person.view"
    title = _("Households")
    empty_text = _("No household is registered in your areas yet.")
    filterset_class = HouseholdFilter
    export_permission = "person.export"
    export_name = "households"
    default_order = "pk"
    walk_orders = frozenset({"address"})
    create_url = reverse_lazy("people:household_create")
    columns = [
        Column("address", _("Address"), order_by="address", link=True),
        Column("floor", _("Floor")),
        AreaColumn("area", _("Area")),
    ]

    def get_queryset(self):
        return Household.objects.select_related("area")

    def unfiltered_count(self):
        return selectors.households_total(self.request.user)

    def can_create(self):
        return self.request.user.can("person.edit")


class HouseholdDetailView(ObjectDetailView):
    permission = "person.view"
    model = Household
    template_name = "people/household_detail.html"

    def get_queryset(self):
        return Household.objects.select_related("area")

    def get_context(self, obj):
        user = self.request.user
        return {
            "object": obj,
            "members": list(
                selectors.persons_for(user).filter(household=obj).prefetch_related("categories")
            ),
            "chain": selectors.chain_for(obj.area, floor=obj.floor),
            "timeline": timeline_of(obj),
            "can_edit": user.can("person.edit"),
        }


class HouseholdCreateView(ServiceFormView):
    permission = "person.edit"
    form_class = HouseholdForm
    title = _("New household")

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def perform(self, form):
        d = form.cleaned_data
        return services.create_household(
            by=self.request.user,
            area=d["area"],
            address=d["address"],
            floor=d["floor"],
            notes=d["notes"],
        )

    def success_url(self, result):
        return reverse("people:household_detail", args=[result.pk])


class HouseholdEditView(ObjectFormView, HouseholdCreateView):
    title = _("Edit household")
    model = Household

    def get_initial(self):
        h = self.object
        return {"area": h.area_id, "address": h.address, "floor": h.floor, "notes": h.notes}

    def perform(self, form):
        d = form.cleaned_data
        return services.update_household(
            self.object,
            by=self.request.user,
            area=d["area"],
            address=d["address"],
            floor=d["floor"],
            notes=d["notes"],
        )
