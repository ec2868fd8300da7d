"""Writes on areas and on who answers for them. Every operator-facing write checks the
permission and the area, validates, runs in one transaction and is audited."""

from fangkong.areas.services.importing import AreaImportFailed, RowError, import_areas
from fangkong.areas.services.responsibilities import assign_responsibility, end_responsibility
from fangkong.areas.services.tree import add_area, create_area, ensure_county, update_area

__all__ = [
    "AreaImportFailed",
    "RowError",
    "add_area",
    "assign_responsibility",
    "create_area",
    "end_responsibility",
    "ensure_county",
    "import_areas",
    "update_area",
]
