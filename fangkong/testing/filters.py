"""One filter set per list of the testing app: the door-to-door task list (the page and
the API), tubes (the API's list and turnaround)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.areas.widgets import AreaFilter
from fangkong.testing.choices import RetestReason, TubeState
from fangkong.testing.models import RetestTask, ScreeningRound, TestingPoint, Tube


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


class TubeFilter(django_filters.FilterSet):
    round_id = django_filters.ModelChoiceFilter(
        label=_("Round"), field_name="round", queryset=ScreeningRound.objects.none()
    )
    point_id = django_filters.ModelChoiceFilter(
        label=_("Testing point"), field_name="point", queryset=TestingPoint.objects.none()
    )
    state = django_filters.ChoiceFilter(label=_("State"), choices=TubeState.choices)

    class Meta:
        model = Tube
        fields = ["round_id", "point_id", "state"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:  # only the user's rounds and points can be picked
            self.filters["round_id"].queryset = ScreeningRound.objects.visible_to(request.user)
            self.filters["point_id"].queryset = TestingPoint.objects.visible_to(request.user)
