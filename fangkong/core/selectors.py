"""Reads for the platform pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.actors import Actor


@dataclass(frozen=True)
class Figure:
    label: Any
    value: int
    url: str


def today_figures(user: Actor) -> list[Figure]:
    """Today's headline numbers within the user's areas, for the modules their roles use."""
    from fangkong.control.choices import EpisodeStatus
    from fangkong.control.models import ControlEpisode
    from fangkong.control.selectors import episodes_due
    from fangkong.sites.selectors import capacity

    today = timezone.localdate()
    figures: list[Figure] = []
    if user.can("episode.view"):
        figures.append(
            Figure(
                _("Under control"),
                ControlEpisode.objects.visible_to(user).filter(status=EpisodeStatus.ACTIVE).count(),
                reverse("control:episode_list") + f"?status={EpisodeStatus.ACTIVE.value}",
            )
        )
        figures.append(
            Figure(
                _("Phases ending today or overdue"),
                episodes_due(today, user=user).count(),
                reverse("control:episode_list") + "?due=today",
            )
        )
    if user.can("capacity.view"):
        total = capacity(user).total
        figures.append(Figure(_("Beds ready"), total.ready, reverse("sites:capacity")))
        figures.append(Figure(_("Beds occupied"), total.occupied, reverse("sites:capacity")))
    return figures
