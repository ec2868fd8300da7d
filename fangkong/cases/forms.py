from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.cases.choices import CaseKind, ContactKind


class CaseForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=40)
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices)
    sampled_at = forms.DateTimeField(
        label=_("Sampled at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    sampling_place = forms.CharField(label=_("Sampling place"), max_length=200)
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


class ContactsForm(forms.Form):
    id_numbers = forms.CharField(
        label=_("ID numbers, one a line"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    last_exposure = forms.DateField(
        label=_("Last exposure"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    file = forms.FileField(
        label=_("Or a workbook (证件号码, 姓名, 类型, 末次接触日期)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if not (data.get("id_numbers") or "").strip() and not data.get("file"):
            raise forms.ValidationError(_("Give ID numbers or a workbook."))
        return data


class TransferForm(forms.Form):
    hospital = forms.CharField(label=_("Designated hospital"), max_length=100)


class CaseImportForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook (证件号码, 姓名, 类型, 采样时间, 采样地点, 报告时间)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
