"""Versioned control rules: a rule set in force between two dates maps each reason for
control to ordered phases, their length in days and the days on which a test is taken."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import BaseModel
from fangkong.policy.choices import PhaseKind, Reason, Scope


class RuleSet(BaseModel):
    """One version of the rules (e.g. the 9th edition, the 20 measures, a county's own)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    county = models.ForeignKey(
        "areas.Area",
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rule_sets",
        help_text=_("Only for a county's own rule set."),
    )
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(
        _("in force until"), null=True, blank=True, help_text=_("Empty: until further notice.")
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    home_isolation = models.JSONField(
        _("home isolation conditions"),
        default=dict,
        blank=True,
        help_text=_(
            "Conditions a home must meet, their effect, service due times (policy/home.py)."
        ),
    )

    scope_field = None  # rules are policy, holding no one's data: every user may read them

    class Meta:
        verbose_name = _("rule set (防控方案)")
        verbose_name_plural = _("rule sets")
        ordering = ["-effective_from", "code"]

    def __str__(self) -> str:
        return str(self.label())

    # The shipped national sets are written in English in policy_data/ and shown through
    # the catalogue (policy/shipped_texts.py), so each interface reads them in its own
    # language; a county's own set shows as written. Codes are for files and the API.
    def label(self) -> str:
        return gettext(self.name)

    def source_label(self) -> str:
        return gettext(self.source) if self.source else ""

    def notes_label(self) -> str:
        return gettext(self.notes) if self.notes else ""

    def get_absolute_url(self) -> str:
        return reverse("policy:ruleset_detail", args=[self.pk])

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


class Rule(models.Model):
    """What one reason for control means under one rule set."""

    rule_set = models.ForeignKey(
        RuleSet, verbose_name=_("rule set"), on_delete=models.CASCADE, related_name="rules"
    )
    reason = models.CharField(_("reason"), max_length=40, choices=Reason.choices)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "reason"], name="uniq_rule_reason")
        ]
        indexes = [models.Index(fields=["reason"])]

    def __str__(self) -> str:
        return f"{self.rule_set.label()}: {self.get_reason_display()}"

    def notes_label(self) -> str:
        return gettext(self.notes) if self.notes else ""

    def total_days(self) -> int:
        return sum(p.days for p in self.phases.all())

    def as_snapshot(self) -> dict[str, Any]:
        """The rule as plain data, kept with every episode started under it."""
        rs = self.rule_set
        return {
            "rule_set": rs.code,
            "rule_set_name": rs.name,
            "scope": rs.scope,
            "effective_from": rs.effective_from.isoformat(),
            "effective_to": rs.effective_to.isoformat() if rs.effective_to else None,
            "reason": self.reason,
            "notes": self.notes,
            "phases": [
                {"kind": p.kind, "days": p.days, "test_days": list(p.test_days)}
                for p in self.phases.all()
            ],
        }


class RulePhase(models.Model):
    """One phase of a rule: its kind, length and test days (day numbers 1..days)."""

    rule = models.ForeignKey(
        Rule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="phases"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=30, choices=PhaseKind.choices)
    days = models.PositiveSmallIntegerField(_("days"))
    test_days = models.JSONField(_("test days"), default=list, blank=True)

    class Meta:
        verbose_name = _("rule phase")
        verbose_name_plural = _("rule phases")
        ordering = ["rule", "order"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "order"], name="uniq_rule_phase_order")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.days}"
