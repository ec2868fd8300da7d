"""Forms of the command centre."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.command.models import Department
from fangkong.core.scoping import subtree_q
from fangkong.core.workqueue import TOWNSHIP_DEPTH


class DirectiveForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("What is to be done"), widget=forms.Textarea(attrs={"rows": 4}))
    deadline = forms.DateTimeField(
        label=_("Deadline"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )  # fmt: skip
    areas = forms.ModelMultipleChoiceField(
        label=_("Townships"), queryset=Area.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"), queryset=Department.objects.filter(active=True), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        paths = list(user.area_paths)
        qs = Area.objects.filter(depth=TOWNSHIP_DEPTH)
        self.fields["areas"].queryset = (  # type: ignore[attr-defined]
            qs.filter(subtree_q(paths)) if paths else qs.none()
        )


class UpdateForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    attachment = forms.FileField(label=_("File"), required=False)
