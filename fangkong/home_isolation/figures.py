"""Home isolation's section of the command centre's daily picture (core.figures)."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.figures import register
from fangkong.home_isolation import selectors

register(
    "home_isolation",
    label=_("Home isolation (居家隔离)"),
    permission="home.view",
    figures=selectors.figures,
    order=20,
)
