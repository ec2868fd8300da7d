"""The essential workers' section of the command centre's daily picture."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.figures import register
from fangkong.workforce import selectors

register(
    "workforce",
    label=_("Essential workers and rosters"),
    permission="worker.view",
    figures=selectors.figures,
    order=70,
)
