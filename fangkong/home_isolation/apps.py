from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeIsolationConfig(AppConfig):
    name = "fangkong.home_isolation"
    label = "home_isolation"
    verbose_name = _("Home isolation")

    def ready(self) -> None:
        # a home isolation that starts after a release passes the eligibility gate
        from fangkong.control.services.completion import on_phase_start
        from fangkong.home_isolation.services.gate import gate_started

        on_phase_start(gate_started)
