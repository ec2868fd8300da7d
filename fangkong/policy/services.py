"""Writes on rule sets: a county enters its own set (validated like a shipped file), or ends
one. National sets come from the shipped files (data migration or ``load_policy``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.policy.choices import Scope
from fangkong.policy.loader import app_models, load_rule_set, parse_rule_set
from fangkong.policy.models import RuleSet


def create_rule_set(data: dict[str, Any] | str, *, by: Actor) -> RuleSet:
    """A county's own rule set from JSON (the format of the shipped files). It wins over the
    national set, in its county and dates, for the reasons it defines."""
    require(by, "policy.manage")
    spec = parse_rule_set(data)
    if spec.scope != Scope.COUNTY:
        raise ValidationFailed(
            _(
                "scope: only a county rule set can be entered here; national rule sets are "
                "loaded from files with the load_policy command."
            ),
            field="scope",
        )
    county = app_models().Area.objects.filter(code=spec.county).first()
    if county is not None:
        require_area(by, county, field="county")
    with transaction.atomic():
        rule_set = load_rule_set(spec, created_by=by)
        audit.record(
            audit.Action.CREATE, rule_set, by=by, after=spec.as_json(), detail="rule set entered"
        )
    return rule_set


def end_rule_set(rule_set: RuleSet, *, effective_to: dt.date, by: Actor) -> RuleSet:
    """Put an end date on a county rule set (or bring it forward), so a newer one can follow."""
    require(by, "policy.manage")
    if rule_set.scope != Scope.COUNTY:
        raise ValidationFailed(
            _("A national rule set is ended by loading the next one from its file."),
            field="effective_to",
        )
    require_area(by, rule_set.county, field="county")
    if effective_to < rule_set.effective_from:
        raise ValidationFailed(
            _("The end date must not be before the start date %(date)s.")
            % {"date": rule_set.effective_from.isoformat()},
            field="effective_to",
        )
    if rule_set.effective_to is not None and effective_to > rule_set.effective_to:
        raise ValidationFailed(
            _("The end date can only be brought forward (now %(date)s).")
            % {"date": rule_set.effective_to.isoformat()},
            field="effective_to",
        )
    with transaction.atomic():
        locked = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
        before = audit.snapshot(locked)
        locked.effective_to = effective_to
        locked.save(update_fields=["effective_to", "updated_at"])
        audit.record(
            audit.Action.UPDATE, locked, by=by, before=before, after=audit.snapshot(locked)
        )
    return locked
