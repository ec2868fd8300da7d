from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.choices import AreaKind, ResponsibilityRole
from fangkong.areas.selectors import areas_for
from fangkong.areas.widgets import AreaField


class AreaImportForm(forms.Form):
    file = forms.FileField(
        label=_("Sheet (.xlsx or .csv)"),
        help_text=_(
            "Columns: code, name, kind, parent code (or 编码, 名称, 类型, 上级编码). "
            "Nothing is imported if any row is wrong."
        ),
    )


class AreaCreateForm(forms.Form):
    code = forms.CharField(label=_("code"), max_length=32)
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=AreaKind.choices)


class AreaEditForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=AreaKind.choices)
    parent = AreaField(
        label=_("parent area"),
        required=False,
        help_text=_("Change it to move the area, with everything below it, elsewhere."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = areas_for(user)


class AssignForm(forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=ResponsibilityRole.choices)
    person_name = forms.CharField(label=_("name"), max_length=60)
    title = forms.CharField(label=_("title"), max_length=60, required=False)
    phone = forms.CharField(label=_("phone"), max_length=20)
    floor = forms.IntegerField(
        label=_("floor"), required=False, help_text=_("Only for a floor lead.")
    )
    username = forms.CharField(
        label=_("user account"),
        max_length=150,
        required=False,
        help_text=_("Optional: the username of this person's account."),
    )
    starts_on = forms.DateField(
        label=_("starts on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today when left empty."),
    )
