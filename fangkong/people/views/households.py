import django_filters
from django.http import Http404
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _

from fangkong.areas.columns import AreaColumn
from fangkong.areas.widgets import AreaFilter
from fangkong.core.timeline import timeline_of
from fangkong.core.views.generic import Column, ObjectDetailView, ObjectListView, ServiceFormView
from fangkong.people import selectors, services
from fangkong.people.forms import HouseholdForm
from fangkong.people.models import Household


class HouseholdFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Address"), field_name="address", lookup_expr="contains")
    area = AreaFilter(label=_("Area"))

    class Meta:
        model = Household
        fields = ["q", "area"]


class HouseholdListView(ObjectListView):
    permission = "person.view"
    title = _("Households")
    filterset_class = HouseholdFilter
    export_permission = "person.export"
    export_name = "households"
    default_order = "pk"
    create_url = reverse_lazy("people:household_create")
    columns = [
        Column("address", _("Address"), order_by="address", link=True),
        Column("floor", _("Floor")),
        AreaColumn("area", _("Area")),
    ]

    def get_queryset(self):
        return selectors.households_for(self.request.user)

    def can_create(self):
        return self.request.user.can("person.edit")


class HouseholdDetailView(ObjectDetailView):
    permission = "person.view"
    template_name = "people/household_detail.html"

    def get_queryset(self):
        return selectors.households_for(self.request.user)

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


class HouseholdEditView(HouseholdCreateView):
    title = _("Edit household")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.household = selectors.households_for(request.user).filter(pk=kwargs["pk"]).first()
            if self.household is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        h = self.household
        return {"area": h.area_id, "address": h.address, "floor": h.floor, "notes": h.notes}

    def perform(self, form):
        d = form.cleaned_data
        return services.update_household(
            self.household,
            by=self.request.user,
            area=d["area"],
            address=d["address"],
            floor=d["floor"],
            notes=d["notes"],
        )
