"""One filter set per list of the sites app: the site list page and ``/sites``; stays
(``/sites/stays``, the due and overstay lists); a site's rooms."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.areas.widgets import AreaFilter
from fangkong.sites.choices import RoomState, SiteStatus, StayStatus
from fangkong.sites.models import IsolationSite, Room, Stay


class SiteFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SiteStatus.choices)
    area = AreaFilter(label=_("Area"))

    class Meta:
        model = IsolationSite
        fields = ["status", "area"]


class StayFilter(django_filters.FilterSet):
    site = django_filters.ModelChoiceFilter(
        label=_("Isolation site"), queryset=IsolationSite.objects.none()
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=StayStatus.choices)

    class Meta:
        model = Stay
        fields = ["site", "status"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:  # only the user's sites can be picked
            self.filters["site"].queryset = IsolationSite.objects.visible_to(request.user)


class RoomFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=RoomState.choices)

    class Meta:
        model = Room
        fields = ["state"]
