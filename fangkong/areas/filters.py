"""One filter set per list of the areas app: ``/areas`` and ``/areas/responsibilities``."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.areas.choices import ResponsibilityRole
from fangkong.areas.models import Area, Responsibility


class AreaFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or code"), method="name_or_code", max_length=60)
    depth = django_filters.NumberFilter(label=_("Level"), min_value=1, max_value=10)

    class Meta:
        model = Area
        fields = ["q", "depth"]

    def name_or_code(self, queryset, name, value):
        return queryset.filter(Q(name__contains=value) | Q(code__startswith=value))


class ResponsibilityFilter(django_filters.FilterSet):
    area_id = django_filters.ModelChoiceFilter(
        label=_("Area"), field_name="area", queryset=Area.objects.none()
    )
    role = django_filters.ChoiceFilter(label=_("Role"), choices=ResponsibilityRole.choices)
    active = django_filters.BooleanFilter(label=_("Active"), method="only_active")

    class Meta:
        model = Responsibility
        fields = ["area_id", "role", "active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:  # only the user's areas can be picked
            self.filters["area_id"].queryset = Area.objects.visible_to(request.user)

    def only_active(self, queryset, name, value):
        return queryset.active() if value else queryset
