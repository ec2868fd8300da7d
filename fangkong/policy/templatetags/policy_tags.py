from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def days_list(days) -> str:
    """[1, 2, 3, 5] -> "1, 2, 3, 5"; an empty list reads as "none"."""
    return ", ".join(str(d) for d in days or []) or _("none")
