from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.areas.selectors import areas_for
from fangkong.areas.widgets import AreaField
from fangkong.core.widgets import DateInput
from fangkong.people.choices import DocType, Sex
from fangkong.people.models import ImportJob, KeyCategory


class PersonForm(forms.Form):
    area = AreaField(label=_("Area"))
    household = forms.IntegerField(
        label=_("Household number"),
        required=False,
        min_value=1,
        help_text=_("The number shown on the household's page; leave empty for none."),
    )
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
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput())
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    categories = forms.ModelMultipleChoiceField(
        label=_("Key categories"),
        queryset=KeyCategory.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(user).order_by("path")


OUT_OF_DATE = _("This form is out of date: reload the page and make your changes again.")


class PersonEditForm(PersonForm):
    """The edit form carries the version it was filled from: saving over someone else's
    change made meanwhile is refused (services.update_person)."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={k: OUT_OF_DATE for k in ("required", "invalid", "min_value")},
    )


class HouseholdForm(forms.Form):
    area = AreaField(
        label=_("Area"),
        help_text=_("The group, estate or building the household lives in."),
    )
    address = forms.CharField(label=_("Address"), max_length=200)
    floor = forms.IntegerField(label=_("Floor"), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(user).order_by("path")


class CategoryForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx)"),
        help_text=_("Use the template: its first row holds the column headers."),
    )
    mode = forms.ChoiceField(
        label=_("If some rows are not valid"),
        choices=ImportJob.Mode.choices,
        initial=ImportJob.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )


class MergeForm(forms.Form):
    keep = forms.ChoiceField(label=_("Keep this record"), widget=forms.RadioSelect)

    def __init__(self, *args, persons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [
            (str(p.pk), f"#{p.pk} {p.name} · {p.id_number_masked or '—'} · {p.area}")
            for p in persons
        ]
