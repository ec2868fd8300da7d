"""One filter set for the door-to-door task list: the page and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.areas.selectors import areas_for
from fangkong.testing.choices import RetestReason
from fangkong.testing.models import RetestTask, ScreeningRound


class RetestFilter(django_filters.FilterSet):
    reason = django_filters.ChoiceFilter(label=_("Reason"), choices=RetestReason.choices)
    round = django_filters.ModelChoiceFilter(
        label=_("Round"), queryset=ScreeningRound.objects.none()
    )
    area = django_filters.ModelChoiceFilter(
        label=_("Village/community"), queryset=Area.objects.none(), method="in_area"
    )

    class Meta:
        model = RetestTask
        fields = ["reason", "round", "area"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = request.user if request else None
        # only the user's rounds and areas can be picked (another area's reads as invalid)
        self.filters["round"].queryset = (
            ScreeningRound.objects.visible_to(user) if user else ScreeningRound.objects.none()
        )
        self.filters["area"].queryset = (
            areas_for(user).filter(depth__lte=3).order_by("path") if user else Area.objects.none()
        )

    def in_area(self, queryset, name, value):
        return queryset.filter(area__path__startswith=value.path)
