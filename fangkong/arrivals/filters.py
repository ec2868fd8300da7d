"""One filter set per list of the arrivals app, shared by the page, the export and the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.areas.widgets import AreaFilter
from fangkong.arrivals.choices import (
    ArrivalSource,
    ArrivalStatus,
    AwayStatus,
    DesignationStatus,
    OriginRisk,
    RiskLevel,
)
from fangkong.arrivals.models import Arrival, OriginArea, ResidentAway, RiskDesignation
from fangkong.core.pii import blind_index


class ArrivalFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name, reference or ID number"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ArrivalStatus.choices)
    risk = django_filters.ChoiceFilter(label=_("Origin risk"), choices=OriginRisk.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=ArrivalSource.choices)
    area = AreaFilter(label=_("Area"))
    arrival_from = django_filters.DateFilter(
        label=_("Arriving from"), field_name="arrival_date", lookup_expr="gte"
    )
    arrival_to = django_filters.DateFilter(
        label=_("Arriving until"), field_name="arrival_date", lookup_expr="lte"
    )
    overdue = django_filters.BooleanFilter(
        label=_("Acknowledgement overdue"), method="filter_overdue"
    )

    class Meta:
        model = Arrival
        fields = ["q", "status", "risk", "source", "area", "arrival_from", "arrival_to", "overdue"]

    def search(self, qs, name, value):
        v = (value or "").strip()
        if not v:
            return qs
        return qs.filter(
            Q(name__startswith=v) | Q(reference=v.upper()) | Q(id_number_index=blind_index(v))
        )

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        late = Q(status=ArrivalStatus.PENDING, ack_due_at__lt=timezone.now())
        return qs.filter(late) if value else qs.exclude(late)


class OriginFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label=_("Risk level"), choices=RiskLevel.choices)
    province = django_filters.CharFilter(label=_("Province"), lookup_expr="startswith")
    current = django_filters.BooleanFilter(
        label=_("Current versions only"), method="filter_current"
    )

    class Meta:
        model = OriginArea
        fields = ["level", "province", "current"]

    def filter_current(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(superseded_at__isnull=value)


class AwayFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=AwayStatus.choices)
    area = AreaFilter(label=_("Area"))
    returning_by = django_filters.DateFilter(
        label=_("Expected back by"), field_name="expected_return", lookup_expr="lte"
    )

    class Meta:
        model = ResidentAway
        fields = ["status", "area", "returning_by"]


class DesignationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DesignationStatus.choices)
    level = django_filters.ChoiceFilter(label=_("Risk level"), choices=RiskLevel.choices)
    area = AreaFilter(label=_("Area"))

    class Meta:
        model = RiskDesignation
        fields = ["status", "level", "area"]
