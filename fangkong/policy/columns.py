"""A list column naming a rule set as people read it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fangkong.core.views.generic import Column
from fangkong.policy.models import RuleSet


class RuleSetColumn(Column):
    """A rule set named by its label (not its code) from the code a record keeps; one query
    for the page's codes. Exports keep the code (``value``)."""

    def prepare(self, objects: Sequence[Any]) -> None:
        codes = {self.value(o) for o in objects}
        labels = {rs.code: rs.label() for rs in RuleSet.objects.filter(code__in=codes)}
        for obj in objects:
            obj._rule_set_label = labels.get(self.value(obj))

    def display(self, obj: Any) -> Any:
        return getattr(obj, "_rule_set_label", None) or self.value(obj)
