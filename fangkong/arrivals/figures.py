"""The arrivals' section of the command centre's daily picture (core.figures)."""

from django.utils.translation import gettext_lazy as _

from fangkong.arrivals import selectors
from fangkong.core.figures import register

register(
    "arrivals",
    label=_("Arrivals and risk areas"),
    permission="arrival.view",
    figures=selectors.figures,
    order=60,
)
