"""Filter sets of the checkpoints app (the pages, the exports and the API share them)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.areas.widgets import AreaFilter
from fangkong.checkpoints.choices import Outcome, VehicleKind
from fangkong.checkpoints.models import Checkpoint, PersonCheck, VehicleCheck


class CheckpointFilter(django_filters.FilterSet):
    area = AreaFilter(label=_("Area"))
    active = django_filters.BooleanFilter(label=_("Open"))

    class Meta:
        model = Checkpoint
        fields = ["area", "active"]


class _ByCheckpoint(django_filters.FilterSet):
    checkpoint = django_filters.ModelChoiceFilter(
        label=_("Checkpoint"), queryset=Checkpoint.objects.none()
    )
    checked_from = django_filters.IsoDateTimeFilter(
        label=_("From"), field_name="checked_at", lookup_expr="gte"
    )
    checked_to = django_filters.IsoDateTimeFilter(
        label=_("Until"), field_name="checked_at", lookup_expr="lt"
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:  # only the user's checkpoints can be picked
            self.filters["checkpoint"].queryset = Checkpoint.objects.visible_to(request.user)


class VehicleFilter(_ByCheckpoint):
    kind = django_filters.ChoiceFilter(label=_("Vehicle kind"), choices=VehicleKind.choices)
    freight = django_filters.BooleanFilter(label=_("Freight"))

    class Meta:
        model = VehicleCheck
        fields = ["checkpoint", "kind", "freight", "checked_from", "checked_to"]


class PersonCheckFilter(_ByCheckpoint):
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), choices=Outcome.choices)
    driver = django_filters.BooleanFilter(label=_("Driver"))

    class Meta:
        model = PersonCheck
        fields = ["checkpoint", "outcome", "driver", "checked_from", "checked_to"]
