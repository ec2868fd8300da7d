from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.selectors import areas_for
from fangkong.areas.widgets import AreaField
from fangkong.core.widgets import DateInput
from fangkong.sites.choices import SiteKind, SiteStatus


class SiteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=SiteKind.choices)
    address = forms.CharField(label=_("Address"), max_length=200)
    area = AreaField(label=_("Area"), max_depth=3)
    manager_name = forms.CharField(label=_("Manager"), max_length=60, required=False)
    manager_phone = forms.CharField(label=_("Manager phone"), max_length=20, required=False)
    contacts = forms.CharField(
        label=_("Other contacts"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    status = forms.ChoiceField(label=_("Status"), choices=SiteStatus.choices)
    ready_date = forms.DateField(label=_("Ready date"), required=False, widget=DateInput())
    planned_beds = forms.IntegerField(label=_("Planned beds"), min_value=0, initial=0)
    turnover_target_hours = forms.IntegerField(
        label=_("Turnover target (hours)"), min_value=1, max_value=72, initial=4
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(user).filter(depth__lte=3).order_by("path")


class BulkRoomsForm(forms.Form):
    first_floor = forms.IntegerField(label=_("First floor"), initial=1)
    floors = forms.IntegerField(label=_("Floors"), initial=1)
    rooms_per_floor = forms.IntegerField(label=_("Rooms per floor"), initial=20)
    first_number = forms.IntegerField(label=_("First room number on a floor"), initial=1)
    beds = forms.IntegerField(label=_("Beds per room"), initial=1)
    own_bathroom = forms.BooleanField(label=_("Own bathroom"), required=False, initial=True)
    accessible = forms.BooleanField(label=_("Accessible"), required=False)
