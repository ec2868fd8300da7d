"""One filter set per list of the cases app: the case list page and ``/cases``; contacts."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.areas.widgets import AreaFilter
from fangkong.cases.choices import CaseKind, CaseState, ContactKind, FoundWhere
from fangkong.cases.models import Case, Contact


class CaseFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CaseKind.choices)
    found = django_filters.ChoiceFilter(label=_("Found"), choices=FoundWhere.choices)
    state = django_filters.ChoiceFilter(label=_("State"), choices=CaseState.choices)
    area = AreaFilter(label=_("Area"))
    reported_from = django_filters.DateFilter(
        label=_("Reported from"), field_name="reported_on", lookup_expr="gte"
    )
    reported_to = django_filters.DateFilter(
        label=_("Reported to"), field_name="reported_on", lookup_expr="lte"
    )
    cluster = django_filters.NumberFilter(label=_("Cluster"))

    class Meta:
        model = Case
        fields = ["kind", "found", "state", "area", "reported_from", "reported_to", "cluster"]


class ContactFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ContactKind.choices)
    uncontrolled = django_filters.BooleanFilter(
        label=_("Not under control"), field_name="episode", lookup_expr="isnull"
    )
    area = AreaFilter(label=_("Area"))

    class Meta:
        model = Contact
        fields = ["kind", "uncontrolled", "area"]
