from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.selectors import areas_for
from fangkong.areas.widgets import AreaField
from fangkong.logistics.choices import ApplicantRole, GoodsClass, StockPointKind
from fangkong.logistics.models import SupplyItem


class PointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=StockPointKind.choices)
    area = AreaField(label=_("Area"), max_depth=4)
    reorder_days = forms.IntegerField(label=_("Reorder below days of stock"), initial=3)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(user).order_by("path")


class MoveForm(forms.Form):
    item = forms.ModelChoiceField(
        label=_("Item"), queryset=SupplyItem.objects.all(), empty_label=_("Choose an item")
    )
    kind = forms.ChoiceField(
        label=_("Receipt or use"), choices=[("receipt", _("Receipt")), ("use", _("Use"))]
    )
    quantity = forms.IntegerField(label=_("Quantity"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class PassForm(forms.Form):
    area = AreaField(label=_("Area"), max_depth=3)
    applicant_name = forms.CharField(label=_("Applicant"), max_length=100)
    applicant_role = forms.ChoiceField(label=_("Applies as"), choices=ApplicantRole.choices)
    applicant_phone = forms.CharField(label=_("Applicant phone"), max_length=20)
    goods_class = forms.ChoiceField(label=_("Goods class"), choices=GoodsClass.choices)
    goods = forms.CharField(label=_("Goods"), max_length=100)
    plate = forms.CharField(
        label=_("Plate (the tractor's, for an articulated truck)"), max_length=12
    )
    trailer_plate = forms.CharField(label=_("Trailer plate"), max_length=12, required=False)
    origin = forms.CharField(label=_("Origin (to county level)"), max_length=60)
    destination = forms.CharField(label=_("Destination (to county level)"), max_length=60)
    route = forms.CharField(label=_("Route"), max_length=200, required=False)
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(label=_("Valid to"), widget=forms.DateInput(attrs={"type": "date"}))
    driver_name = forms.CharField(label=_("Driver"), max_length=60)
    driver_id = forms.CharField(label=_("Driver's ID number"), max_length=18)
    driver_phone = forms.CharField(label=_("Driver's phone"), max_length=20)
    driver_tested_at = forms.DateTimeField(
        label=_("Driver sampled at (48 h)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(user).filter(depth__lte=3).order_by("path")
