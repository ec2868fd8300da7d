"""One filter set per list of the workforce app, shared by the page, the export and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.areas.widgets import AreaFilter
from fangkong.workforce.choices import LoopState, PoolKind
from fangkong.workforce.models import Employer, Sector, StaffPool, Worker


class WorkerFilter(django_filters.FilterSet):
    sector = django_filters.ModelChoiceFilter(label=_("Sector"), queryset=Sector.objects.all())
    employer = django_filters.ModelChoiceFilter(
        label=_("Employer"), queryset=Employer.objects.none()
    )
    area = AreaFilter(label=_("Area"))
    loop_state = django_filters.ChoiceFilter(label=_("Closed loop"), choices=LoopState.choices)
    only = django_filters.ChoiceFilter(
        label=_("Show"),
        choices=[("overdue", _("Overdue")), ("due", _("Due today"))],
        method="filter_only",
    )

    class Meta:
        model = Worker
        fields = ["sector", "employer", "area", "loop_state"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["employer"].queryset = Employer.objects.visible_to(request.user)

    def filter_only(self, qs, name, value):
        from django.utils import timezone

        from fangkong.workforce.services.compliance import overdue_q

        today = timezone.localdate()
        if value == "overdue":
            return qs.filter(overdue_q(today))
        if value == "due":
            return qs.filter(next_due_on=today)
        return qs


class EmployerFilter(django_filters.FilterSet):
    sector = django_filters.ModelChoiceFilter(label=_("Sector"), queryset=Sector.objects.all())
    area = AreaFilter(label=_("Area"))

    class Meta:
        model = Employer
        fields = ["sector", "area"]


class PoolFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=PoolKind.choices)
    area = AreaFilter(label=_("Area"))

    class Meta:
        model = StaffPool
        fields = ["kind", "area"]
