"""The setup pages' forms: testing points, labs and screening rounds."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fangkong.areas.selectors import areas_for
from fangkong.areas.widgets import AreaField, AreaMultipleField
from fangkong.core.models import User
from fangkong.core.roles import Role
from fangkong.core.widgets import DateTimeInput
from fangkong.people.models import KeyCategory
from fangkong.testing.choices import PointKind
from fangkong.testing.services.setup import MAX_POOLING_RATIO


def staff_with(role: str, user: Any) -> QuerySet[User]:
    """Active accounts holding ``role`` posted within the user's areas."""
    return (
        User.objects.filter(role_set__role=role, is_active=True, areas__in=areas_for(user))
        .distinct()
        .order_by("display_name", "username")
    )


class PointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=PointKind.choices)
    area = AreaField(label=_("Area"))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    hours = forms.CharField(
        label=_("Opening hours"),
        max_length=60,
        required=False,
        help_text=_("As people read it on the notice, e.g. 每天 7:00–12:00."),
    )
    samplers = forms.ModelMultipleChoiceField(
        label=_("Samplers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only they are offered this point when they start sampling."),
    )
    active = forms.BooleanField(
        label=_("Open"),
        required=False,
        initial=True,
        help_text=_("A closed point is offered to no sampler."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(user).order_by("path")
        self.fields["samplers"].queryset = staff_with(Role.SAMPLER, user)


class LabForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(
        label=_("Lab code"),
        max_length=32,
        help_text=_("The short code lab files and devices name the lab by; it cannot change."),
    )
    area = AreaField(label=_("Area"), max_depth=2)
    technicians = forms.ModelMultipleChoiceField(
        label=_("Lab technicians"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user=None, lab=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(user).filter(depth__lte=2).order_by("path")
        self.fields["technicians"].queryset = staff_with(Role.LAB_TECHNICIAN, user)
        if lab is not None:  # editing: the code shows and stays
            self.fields["code"].disabled = True
            self.fields["code"].initial = lab.code


class RoundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. 11月24日全员核酸"))
    areas = AreaMultipleField(
        label=_("Areas"), help_text=_("Everyone living in these areas is to be tested.")
    )
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput())
    pooling_ratio = forms.IntegerField(
        label=_("Pooling ratio"),
        min_value=1,
        max_value=MAX_POOLING_RATIO,
        initial=10,
        help_text=_("Swabs per pooled tube (10 for 10:1); 1 tests everyone singly."),
    )
    single_categories = forms.ModelMultipleChoiceField(
        label=_("Tested singly"),
        queryset=KeyCategory.objects.filter(active=True).order_by("sort_order", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Key categories whose people are never pooled in this round."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = areas_for(user).order_by("path")
