from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.selectors import areas_for
from fangkong.areas.widgets import AreaField


class CheckpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    area = AreaField(label=_("Area"), max_depth=3)
    location = forms.CharField(label=_("Location"), max_length=200)
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=9, decimal_places=6, required=False
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=9, decimal_places=6, required=False
    )
    active = forms.BooleanField(label=_("Open"), required=False, initial=True)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(user).filter(depth__lte=3).order_by("path")
