"""One filter set per list: the person list page, its export and the API's ``/persons``;
the household list page and the API's ``/households``."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.widgets import AreaFilter
from fangkong.core import ratelimit
from fangkong.people.choices import DocType, Sex
from fangkong.people.models import Household, KeyCategory, Person
from fangkong.people.selectors import search_persons


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=60,
        help_text=_("ID number, phone, name or pinyin initials"),
    )
    area = AreaFilter(label=_("Area"))
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

    def search(self, queryset, name, value):
        if value.strip():
            ratelimit.hit(self.request.user, "person.search")
        return queryset & search_persons(self.request.user, value)


class HouseholdFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Address"), field_name="address", lookup_expr="contains", max_length=100
    )
    area = AreaFilter(label=_("Area"))

    class Meta:
        model = Household
        fields = ["q", "area"]
