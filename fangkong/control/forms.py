from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.widgets import DateInput
from fangkong.policy.choices import Reason


class EpisodeStartForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    start_date = forms.DateField(
        label=_("Start date"),
        widget=DateInput(),
        help_text=_("Day 1. The rule in force on this day applies and stays with the episode."),
    )


class PhaseAdjustForm(forms.Form):
    new_end_date = forms.DateField(label=_("New end date"), widget=DateInput())
    reason_text = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the phase is made longer or shorter. Later phases move with it."),
    )


class PhaseCompleteForm(forms.Form):
    on_date = forms.DateField(label=_("Ended on"), widget=DateInput(), initial=timezone.localdate)
    early_reason = forms.CharField(
        label=_("Reason for ending early"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required before the planned end."),
    )


class EpisodeCancelForm(forms.Form):
    reason_text = forms.CharField(
        label=_("Reason for cancelling"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
