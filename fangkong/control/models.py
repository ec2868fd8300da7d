"""Control episodes (管控) and their phases: a person under control for a reason, under the
rule in force on the start date, kept with the episode."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.control.choices import EpisodeStatus, PhaseStatus
from fangkong.core.models import BaseModel
from fangkong.core.scoping import ScopedManager
from fangkong.policy.choices import PhaseKind, Reason


class ControlEpisode(BaseModel):
    """One person under control for one reason, from a start date, in phases."""

    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="control_episodes",
    )
    reason = models.CharField(_("reason"), max_length=40, choices=Reason.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EpisodeStatus.choices, default=EpisodeStatus.ACTIVE
    )
    rule_set = models.ForeignKey(
        "policy.RuleSet",
        verbose_name=_("rule set"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="episodes",
    )
    rule_set_code = models.CharField(_("rule set code"), max_length=40)
    rule_snapshot = models.JSONField(
        _("rule applied"), help_text=_("The rule in force on the start date, as applied.")
    )
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The person's area when the episode started."),
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("control episode (管控)")
        verbose_name_plural = _("control episodes")
        ordering = ["-start_date", "-pk"]
        indexes = [
            models.Index(fields=["area", "status"]),
            models.Index(fields=["status", "reason"]),
            # the daily picture's "put under control / released that day" (command centre)
            models.Index(fields=["start_date"], name="control_episode_start_idx"),
            models.Index(fields=["end_date"], name="control_episode_end_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status=EpisodeStatus.ACTIVE),
                name="uniq_active_episode_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_reason_display()} · {self.start_date}"

    def get_absolute_url(self) -> str:
        return reverse("control:episode_detail", args=[self.pk])

    @property
    def current_phase(self) -> ControlPhase | None:
        """The active phase (read from prefetched phases when there are)."""
        for phase in self.phases.all():
            if phase.status == PhaseStatus.ACTIVE:
                return phase
        return None

    @property
    def planned_end_date(self) -> dt.date | None:
        ends = [p.planned_end_date for p in self.phases.all() if p.status != PhaseStatus.CANCELLED]
        return max(ends) if ends else None


class ControlPhase(models.Model):
    """A phase of an episode: centralized isolation, home isolation, home health monitoring."""

    episode = models.ForeignKey(
        ControlEpisode, verbose_name=_("episode"), on_delete=models.CASCADE, related_name="phases"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=30, choices=PhaseKind.choices)
    start_date = models.DateField(_("start date"))
    planned_end_date = models.DateField(_("planned end"), db_index=True)
    actual_end_date = models.DateField(_("actual end"), null=True, blank=True)
    test_days = models.JSONField(_("test days"), default=list, blank=True)  # ISO dates
    status = models.CharField(
        _("status"), max_length=10, choices=PhaseStatus.choices, default=PhaseStatus.PLANNED
    )
    end_reason = models.TextField(_("reason for ending early or late"), blank=True)

    objects = ScopedManager()
    scope_field = "episode__area"

    class Meta:
        verbose_name = _("control phase")
        verbose_name_plural = _("control phases")
        ordering = ["episode", "order"]
        indexes = [
            models.Index(fields=["status", "kind", "planned_end_date"]),
            # the phases in force on a day or over a range (the daily picture's control
            # figures and chart): found by their end, read from the index alone
            models.Index(
                fields=["status", "actual_end_date", "start_date", "kind", "episode"],
                name="control_phase_in_force_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["episode", "order"], name="uniq_phase_order"),
            models.UniqueConstraint(
                fields=["episode"],
                condition=Q(status=PhaseStatus.ACTIVE),
                name="uniq_active_phase_per_episode",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date} – {self.planned_end_date}"

    @property
    def planned_days(self) -> int:
        return (self.planned_end_date - self.start_date).days + 1

    @property
    def test_dates(self) -> list[dt.date]:
        return [dt.date.fromisoformat(d) for d in self.test_days]
