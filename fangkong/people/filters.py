"""One filter set per list: the person list page, its export and the API's ``/persons``;
the household list page and the API's ``/households``."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.areas.selectors import areas_for
from fangkong.people.choices import DocType, Sex
from fangkong.people.models import Household, KeyCategory, Person
from fangkong.people.selectors import search_persons


class _AreaFilterMixin:
    """``area``: one of the user's areas (townships and villages offered), and below."""

    def limit_areas(self, request) -> None:
        self.filters["area"].queryset = (
            areas_for(request.user).filter(depth__lte=3).order_by("path")
            if request is not None
            else Area.objects.none()
        )

    def in_area(self, queryset, name, value):
        return queryset.filter(area__path__startswith=value.path)


class PersonFilter(_AreaFilterMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=60,
        help_text=_("ID number, phone, name or pinyin initials"),
    )
    area = django_filters.ModelChoiceFilter(
        label=_("Area"), queryset=Area.objects.none(), method="in_area"
    )
    sex = django_filters.ChoiceFilter(label=_("Sex"), choices=Sex.choices)
    doc_type = django_filters.ChoiceFilter(label=_("Document type"), choices=DocType.choices)
    category = django_filters.ModelChoiceFilter(
        label=_("Key category"),
        queryset=KeyCategory.objects.filter(active=True),
        field_name="categories",
        to_field_name="code",
    )
    household = django_filters.NumberFilter(
        label=_("Household"), field_name="household_id", widget=forms.HiddenInput
    )

    class Meta:
        model = Person
        fields = ["q", "area", "sex", "doc_type", "category", "household"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.limit_areas(request)

    def search(self, queryset, name, value):
        return queryset & search_persons(self.request.user, value)


class HouseholdFilter(_AreaFilterMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Address"), field_name="address", lookup_expr="contains", max_length=100
    )
    area = django_filters.ModelChoiceFilter(
        label=_("Area"), queryset=Area.objects.none(), method="in_area"
    )

    class Meta:
        model = Household
        fields = ["q", "area"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.limit_areas(request)
