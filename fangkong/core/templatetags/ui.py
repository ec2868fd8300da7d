"""Small helpers of the shared list components and tables."""

import html
from collections.abc import Iterable, Sequence
from typing import Any

from django import template
from django.utils import numberformat
from django.utils.formats import get_format, localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def table_rows(rows: Sequence[tuple[Any, Sequence[Any]]], columns: Sequence[Any]) -> SafeString:
    """A list page's rows, ``<tr>`` by ``<tr>``, as the template would write them: each cell
    labelled with its column for the phone layout (``table.cards`` hides the header row),
    the first a link to the object when it has a page, values localized and escaped as
    ``{{ v }}``. Written here rather than as tags per cell, with each label translated and
    escaped once: a page of 50 rows by 7 columns took two thirds of the person list's
    time that way."""
    labels = [conditional_escape(c.label) for c in columns]
    out = []
    for obj, values in rows:
        link = getattr(obj, "get_absolute_url", None)
        href = conditional_escape(link()) if callable(link) else ""
        out.append("<tr>")
        for i, (label, value) in enumerate(zip(labels, values, strict=False)):
            shown = "" if value is None else conditional_escape(localize(value))
            if i == 0 and href:
                shown = f'<a href="{href}">{shown}</a>'
            out.append(f'<td data-label="{label}">{shown}</td>')
        out.append("</tr>")
    return mark_safe("".join(out))  # noqa: S308 (every piece escaped above)


@register.filter
def cells(values: Iterable[Any]) -> SafeString:
    """A row's values as ``<td>`` cells, "—" for none, numbers localized as ``{{ v }}``
    shows them: one filter per row rather than template tags per cell (the daily
    picture's township table has about 40 x 35 cells, which took ~10 ms to render one by
    one; the county home's 26 x 19 ~5 ms)."""
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
