from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.areas.selectors import areas_for
from fangkong.people.choices import DocType, Sex


class PersonForm(forms.Form):
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    name = forms.CharField(label=_("Name"), max_length=60)
    doc_type = forms.ChoiceField(
        label=_("Document type"), choices=DocType.choices, initial=DocType.RESIDENT_ID
    )
    id_number = forms.CharField(label=_("Document number"), max_length=40, required=False)
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=[("", "—"), *Sex.choices],
        required=False,
        help_text=_("Taken from a resident ID number when left empty."),
    )
    birth_date = forms.DateField(
        label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(user).order_by("path")
