"""One filter set per list: the person list page, its export and the API's ``/persons``;
the household list page and the API's ``/households``."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.widgets import AreaFilter
from fangkong.core import audit, counts, ratelimit
from fangkong.people.choices import DocType, Sex
from fangkong.people.models import Household, KeyCategory, Person
from fangkong.people.search import describe, split_id_tail
from fangkong.people.selectors import classify_query, search_persons


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=60,
        help_text=describe(),
        widget=forms.TextInput(attrs={"placeholder": describe(), "enterkeyhint": "search"}),
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
        user = self.request.user
        if value.strip():
            ratelimit.hit(user, "person.search")
        if classify_query(value)[0] == "id_tail":
            # a look-up of one person by part of their ID: limited tighter, and logged with
            # the name asked for (the digits stay out of the log)
            ratelimit.hit(user, "person.search.id_tail")
            who = (split_id_tail(value) or ("", ""))[0]
            audit.record(
                audit.Action.REVEAL, by=user, object_type="people.person",
                detail=f"search by name and last 6 of the ID number: {who}",
            )  # fmt: skip
        # a search box counts its matches up to a bound ("more than 1,000")
        return counts.bounded(queryset & search_persons(user, value))


class HouseholdFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Address"), field_name="address", lookup_expr="contains", max_length=100
    )
    area = AreaFilter(label=_("Area"))

    class Meta:
        model = Household
        fields = ["q", "area"]
