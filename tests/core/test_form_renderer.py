"""The form renderer writes selects itself: to the byte what Django's templates write."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from fangkong.core.widgets import FormRenderer


class Choices(forms.Form):
    plain = forms.ChoiceField(choices=[("", "---------"), ("a", "甲"), ("b&c", 'say "<b>"')])
    grouped = forms.ChoiceField(
        choices=[
            ("x", "无组"),
            ("南方", [("n1", "重庆"), ("n2", "四川")]),
            ("北方", [("b1", "北京")]),
        ]
    )
    many = forms.MultipleChoiceField(choices=[(1, "一"), (2, "二"), (3, "三")], required=False)
    flagged = forms.ChoiceField(
        choices=[("1", "one")],
        widget=forms.Select(attrs={"disabled": True, "hidden": False, "data-x": "<q>"}),
    )


@pytest.mark.parametrize(
    "data",
    [None, {"plain": "b&c", "grouped": "n2", "many": ["1", "3"], "flagged": "1"}, {"many": ["9"]}],
)
def test_selects_render_as_djangos_templates_render_them(data):
    ours = Choices(data=data, renderer=FormRenderer())
    django = Choices(data=data, renderer=DjangoTemplates())
    for name in ("plain", "grouped", "many", "flagged"):
        assert str(ours[name]) == str(django[name]), name
    assert "say &quot;&lt;b&gt;&quot;</option>" in str(ours["plain"])  # escaped
    if data and "grouped" in data:
        assert '<option value="n2" selected>四川</option>' in str(ours["grouped"])
        assert '<option value="3" selected>三</option>' in str(ours["many"])


def test_the_whole_form_and_other_widgets_still_come_from_the_templates():
    form = Choices(renderer=FormRenderer())
    assert str(form) == str(Choices(renderer=DjangoTemplates()))
    assert str(forms.CharField().widget.render("q", "<x>", renderer=FormRenderer())) == (
        '<input type="text" name="q" value="&lt;x&gt;">'
    )
