"""One filter set per list: transfer requests (the page, the API), vehicles, plans."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.areas.widgets import AreaFilter
from fangkong.transfers.choices import (
    OPEN_REQUEST_STATES,
    PlanStatus,
    RequestStatus,
    TransferKind,
    VehicleKind,
    VehicleState,
)
from fangkong.transfers.models import Plan, TransferRequest, Vehicle


class RequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RequestStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=TransferKind.choices)
    area = AreaFilter(label=_("Area"))
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")

    class Meta:
        model = TransferRequest
        fields = ["status", "kind", "area", "overdue"]

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        late = Q(status__in=OPEN_REQUEST_STATES, deadline__lt=timezone.now())
        return qs.filter(late) if value else qs.exclude(late)


class VehicleFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=VehicleState.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=VehicleKind.choices)

    class Meta:
        model = Vehicle
        fields = ["state", "kind"]


class PlanFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PlanStatus.choices)

    class Meta:
        model = Plan
        fields = ["status"]
