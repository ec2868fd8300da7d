from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "fangkong.logistics"
    label = "logistics"
    verbose_name = _("Supplies and freight passes")
