"""The checkpoints' section of the command centre's daily picture (core.figures)."""

from django.utils.translation import gettext_lazy as _

from fangkong.checkpoints import selectors
from fangkong.core.figures import register

register(
    "checkpoints",
    label=_("Entry checkpoints"),
    permission="checkpoint.view",
    figures=selectors.figures,
    order=61,
)
