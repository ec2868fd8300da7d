from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.selectors import areas_for
from fangkong.areas.widgets import AreaField
from fangkong.core.widgets import DateInput
from fangkong.workforce.choices import AbsenceKind, PoolKind
from fangkong.workforce.models import Sector, WhitelistImport


class EmployerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(label=_("Unified social credit code"), max_length=18)
    sector = forms.ModelChoiceField(label=_("Sector"), queryset=Sector.objects.filter(active=True))
    area = AreaField(label=_("Area"), max_depth=3)
    contact_name = forms.CharField(label=_("Contact"), max_length=60, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(user).filter(depth__lte=3).order_by("path")


class WorkerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    id_number = forms.CharField(label=_("Document number"), max_length=40)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    post = forms.CharField(label=_("Post"), max_length=60, required=False)
    in_loop = forms.BooleanField(label=_("Works in a closed loop"), required=False)
    loop_place = forms.CharField(label=_("Closed-loop place"), max_length=100, required=False)


class WhitelistForm(forms.Form):
    file = forms.FileField(label=_("Whitelist (.xlsx)"))
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=WhitelistImport.Mode.choices,
        initial=WhitelistImport.Mode.ALL_OR_NOTHING,
    )


class PoolForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=PoolKind.choices)
    area = AreaField(label=_("Area"), max_depth=4)
    max_hours_day = forms.FloatField(label=_("Maximum hours a day"), initial=12)
    max_hours_week = forms.FloatField(label=_("Maximum hours a week"), initial=48)
    min_rest_hours = forms.FloatField(label=_("Minimum rest between shifts (hours)"), initial=12)
    min_days_off_week = forms.IntegerField(label=_("Days off a week"), initial=1)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(user).order_by("path")


class SolveForm(forms.Form):
    start = forms.DateField(label=_("First day"), widget=DateInput())
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=14, initial=7)


class AbsenceForm(forms.Form):
    member = forms.IntegerField(label=_("Staff member"))
    day = forms.DateField(label=_("Day"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Kind"), choices=AbsenceKind.choices)
