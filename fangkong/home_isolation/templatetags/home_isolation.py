"""Labels of the eligibility check's questions."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

ANSWER_LABELS = {
    "lives_alone": _("Lives alone"),
    "own_room": _("Has a separate, ventilated room"),
    "own_bathroom": _("Has a bathroom of their own"),
    "shared_bathroom_cleaned": _("Shared bathroom, cleaned and disinfected after each use"),
    "shared_central_ac": _("Central air-conditioning shared with other homes"),
    "collective_dormitory": _("A collective dormitory"),
    "children_with_parent": _("Children 14 and under stay with a parent"),
    "dependants": _("Someone depends on a carer"),
    "carer_ill": _("The carer is ill"),
}


@register.filter
def answer_label(key: str) -> str:
    return str(ANSWER_LABELS.get(key, key))


@register.filter
def review_reasons(codes: list[str]) -> str:
    from fangkong.home_isolation.services.closing import REASON_TEXT

    return ", ".join(str(REASON_TEXT.get(c, c)) for c in codes)
