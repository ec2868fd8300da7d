"""Form widgets every app shares."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """The browser's date picker. Its value must be ISO (``2022-11-23``): a date written in
    the locale's format (``2022/11/23``) leaves the field blank in every browser, so the
    value a form was filled with would look lost."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format or ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker, whose value must read ``2022-11-23T08:00``."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format or "%Y-%m-%dT%H:%M")


_SELECT = "django/forms/widgets/select.html"
_OPTION = "django/forms/widgets/select_option.html"


class FormRenderer(DjangoTemplates):
    """Django's form renderer (``FORM_RENDERER``), with a select and its options written
    here, to the byte as Django's templates write them: through the template engine each
    option is an include, and a list page's filter form spent ~5 ms a view on its
    selects. Every other widget, and a select whose options have their own template, goes
    to the templates as usual."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == _SELECT:
            widget = context["widget"]
            if all(o["template_name"] == _OPTION for _g, opts, _i in widget["optgroups"]
                   for o in opts):  # fmt: skip
                return _select(widget)
        return super().render(template_name, context, request)


def _attrs(attrs: dict[str, Any]) -> str:
    # django/forms/widgets/attrs.html
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}")
        if value is not True:
            out.append(f'="{conditional_escape(str(value))}"')
    return "".join(out)


def _select(widget: dict[str, Any]) -> str:
    # django/forms/widgets/select.html and select_option.html (an include, ending in a
    # newline)
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        if group:
            out.append(f'\n  <optgroup label="{conditional_escape(group)}">')
        for o in options:
            out.append(f'\n  <option value="{conditional_escape(str(o["value"]))}"'
                       f'{_attrs(o["attrs"])}>{conditional_escape(o["label"])}</option>\n')  # fmt: skip
        if group:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)
