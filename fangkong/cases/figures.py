"""The cases section of the command centre's daily picture (core.figures)."""

from django.utils.translation import gettext_lazy as _

from fangkong.cases.selectors import figures
from fangkong.core.figures import register

register("cases", label=_("Cases and contacts"), permission="case.view", figures=figures, order=10)
