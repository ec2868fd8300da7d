from django import forms
from django.utils.translation import gettext_lazy as _


class RuleSetJsonForm(forms.Form):
    json = forms.CharField(
        label=_("Rule set (JSON)"),
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "mono"}),
        help_text=_(
            'The format of the shipped files: code, name, scope "county", county (area code), '
            "effective_from, effective_to, rules with reason and phases (kind, days, test_days). "
            "It is checked whole; nothing is saved while any part is wrong."
        ),
    )


class RuleSetEndForm(forms.Form):
    effective_to = forms.DateField(
        label=_("In force until"), widget=forms.DateInput(attrs={"type": "date"})
    )
