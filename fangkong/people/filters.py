"""One filter set for the person list page, its export and (through the same selector) the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.areas.selectors import areas_for
from fangkong.core import ratelimit
from fangkong.people.choices import DocType, Sex
from fangkong.people.models import KeyCategory, Person
from fangkong.people.selectors import search_persons


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="search", help_text=_("ID number, phone, name or pinyin initials")
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
    )

    class Meta:
        model = Person
        fields = ["q", "area", "sex", "doc_type", "category"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.filters["area"].queryset = (
            areas_for(request.user).filter(depth__lte=3).order_by("path")
            if request
            else Area.objects.none()
        )

    def search(self, queryset, name, value):
        if value.strip():
            ratelimit.hit(self.request.user, "person.search")
        return queryset & search_persons(self.request.user, value)

    def in_area(self, queryset, name, value):
        return queryset.filter(area__path__startswith=value.path)
