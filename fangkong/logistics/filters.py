"""One filter set per list of the logistics app, shared by the page, the export and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.areas.widgets import AreaFilter
from fangkong.logistics.choices import GoodsClass, PassStatus, StockPointKind
from fangkong.logistics.models import FreightPass, StockPoint


class PointFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=StockPointKind.choices)
    area = AreaFilter(label=_("Area"))

    class Meta:
        model = StockPoint
        fields = ["kind", "area"]


class PassFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PassStatus.choices)
    goods_class = django_filters.ChoiceFilter(label=_("Goods class"), choices=GoodsClass.choices)
    plate = django_filters.CharFilter(label=_("Plate"), lookup_expr="exact")

    class Meta:
        model = FreightPass
        fields = ["status", "goods_class", "plate"]
