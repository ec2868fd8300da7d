"""One filter set for the door-to-door task list: the page and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.areas.widgets import AreaFilter
from fangkong.testing.choices import RetestReason
from fangkong.testing.models import RetestTask, ScreeningRound


class RetestFilter(django_filters.FilterSet):
    reason = django_filters.ChoiceFilter(label=_("Reason"), choices=RetestReason.choices)
    round = django_filters.ModelChoiceFilter(
        label=_("Round"), queryset=ScreeningRound.objects.none()
    )
    area = AreaFilter(label=_("Village/community"), max_depth=3)

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
