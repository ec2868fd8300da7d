"""The testing API's look-ups of its objects, each scoped to the caller, and its error answers."""

from typing import Any

from fangkong.areas.models import Area
from fangkong.core.actors import AuthedRequest
from fangkong.core.api import ErrorOut
from fangkong.core.scoping import get_visible_or_404
from fangkong.testing import selectors
from fangkong.testing.models import Lab
from fangkong.testing.services.lab import lab_for

ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- helpers ---------------------------------------------------------------------------------
def _area(request: AuthedRequest, pk: int, field: str = "area_id") -> Area:
    return get_visible_or_404(Area, request.user, pk=pk, error_field=field)


def _point(request: AuthedRequest, pk: int):
    points = selectors.points_for(request.user)
    return get_visible_or_404(points, request.user, pk=pk, error_field="point_id")


def _round(request: AuthedRequest, pk: int):
    rounds = selectors.rounds_for(request.user)
    return get_visible_or_404(rounds, request.user, pk=pk, error_field="round_id")


def _box(request: AuthedRequest, barcode: str):
    boxes = selectors.openable_boxes_for(request.user)
    return get_visible_or_404(boxes, request.user, barcode=barcode, error_field="box")


def _lab(request: AuthedRequest, lab_id: int | None) -> Lab | None:
    """``services.lab_for`` of the lab named by ``lab_id``, errors naming ``lab_id``."""
    lab = None
    if lab_id is not None:
        lab = get_visible_or_404(Lab, request.user, pk=lab_id, error_field="lab_id")
    return lab_for(request.user, lab, field="lab_id")


def _lab_to_hand_to(request: AuthedRequest, lab_id: int) -> Lab:
    """Any lab the caller may hand a box to (``selectors.labs_to_hand_to``), errors naming
    ``lab_id``."""
    return get_visible_or_404(
        selectors.labs_to_hand_to(request.user), request.user, pk=lab_id, error_field="lab_id"
    )
