"""One filter set for the episode list page, its export and the API."""

import datetime as dt

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.areas.widgets import AreaFilter
from fangkong.control.choices import EpisodeStatus, PhaseStatus
from fangkong.control.models import ControlEpisode
from fangkong.policy.choices import PhaseKind, Reason

DUE_CHOICES = [
    ("today", _("Due today (incl. overdue)")),
    ("tomorrow", _("Due tomorrow")),
    ("overdue", _("Overdue")),
]


class EpisodeFilter(django_filters.FilterSet):
    reason = django_filters.ChoiceFilter(label=_("Reason"), choices=Reason.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=EpisodeStatus.choices)
    kind = django_filters.ChoiceFilter(
        label=_("Current phase"), choices=PhaseKind.choices, method="current_kind"
    )
    area = AreaFilter(label=_("Area"))
    due = django_filters.ChoiceFilter(label=_("Phase due"), choices=DUE_CHOICES, method="phase_due")

    class Meta:
        model = ControlEpisode
        fields = ["reason", "status", "kind", "area", "due"]

    def current_kind(self, queryset, name, value):
        return queryset.filter(phases__status=PhaseStatus.ACTIVE, phases__kind=value)

    def phase_due(self, queryset, name, value):
        today = timezone.localdate()
        ends = {
            "today": {"phases__planned_end_date__lte": today},
            "tomorrow": {"phases__planned_end_date": today + dt.timedelta(days=1)},
            "overdue": {"phases__planned_end_date__lt": today},
        }[value]
        return queryset.filter(phases__status=PhaseStatus.ACTIVE, **ends)
