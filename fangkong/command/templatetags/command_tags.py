"""The daily picture's township table, rendered a row at a time."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()


@register.filter
def cells(values: Iterable[Any]) -> SafeString:
    """A row's values as ``<td>`` cells, "—" for none, numbers localized as ``{{ v }}``
    shows them: one filter per row rather than template tags per cell (a county's table
    has about 40 x 35 cells, which took the page ~10 ms to render one by one)."""
    lang = get_language()
    decimal, grouping, thousands = (get_format(name, lang) for name in
                                    ("DECIMAL_SEPARATOR", "NUMBER_GROUPING", "THOUSAND_SEPARATOR"))  # fmt: skip
    out = []
    for v in values:
        if v is None:
            out.append("<td>—</td>")
        elif isinstance(v, int | float) and not isinstance(v, bool):
            text = numberformat.format(v, decimal, None, grouping, thousands, use_l10n=True)
            out.append(f"<td>{html.escape(text)}</td>")
        else:
            out.append(format_html("<td>{}</td>", v))
    return mark_safe("".join(out))  # noqa: S308 (numbers escaped, the rest by format_html)
