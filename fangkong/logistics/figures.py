"""Supplies' and freight passes' section of the command centre's daily picture."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.figures import register
from fangkong.logistics import selectors

register(
    "logistics",
    label=_("Supplies and freight passes"),
    permission="supply.view",
    figures=selectors.figures,
    order=71,
)
