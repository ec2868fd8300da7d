from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeIsolationConfig(AppConfig):
    name = "fangkong.home_isolation"
    label = "home_isolation"
    verbose_name = _("Home isolation")
