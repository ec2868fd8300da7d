from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.widgets import DateInput


class RuleSetJsonForm(forms.Form):
    json = forms.CharField(
        label=_("Rule set (JSON)"),
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "mono"}),
        help_text=_(
            "The format of the shipped files, as in the example filled in: a code, a name, the "
            "county's area code, the dates in force and, for each reason, its phases with their "
            "days and test days. It is checked whole; nothing is saved while any part is wrong."
        ),
    )


class RuleSetEndForm(forms.Form):
    effective_to = forms.DateField(label=_("In force until"), widget=DateInput())
