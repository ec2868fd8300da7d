"""A list column that shows an area as its path (镇 › 村 › 组), not the leaf alone: 四组 exists
270 times in a county. The paths of a whole page (or export chunk) are read in one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fangkong.areas.models import Area
from fangkong.core.views.generic import Column


@dataclass
class AreaColumn(Column):
    """``accessor`` (default: ``name``) is the dotted path from a row to its area."""

    def area_of(self, obj: Any) -> Area | None:
        value: Any = obj
        for part in str(self.accessor or self.name).split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    def prepare(self, objects: Sequence[Any]) -> None:
        Area.label_paths(self.area_of(obj) for obj in objects)

    def value(self, obj: Any, *, full: bool = False) -> Any:
        area = self.area_of(obj)
        return area.path_label if area is not None else ""
