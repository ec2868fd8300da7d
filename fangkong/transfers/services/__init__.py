"""Every write on transfers: requests, the fleet, plans, trips. Keyword-only ``by=``,
validated, one transaction, audited, on the persons' timelines."""

from fangkong.transfers.services.fleet import (
    create_depot,
    create_vehicle,
    record_disinfection,
    set_vehicle_out_of_service,
)
from fangkong.transfers.services.links import (
    request_for_case,
    request_for_contact,
    request_for_placement,
)
from fangkong.transfers.services.plans import accept_plan, lock_trip, move_stop, run_plan
from fangkong.transfers.services.requests import cancel_request, request_transfer
from fangkong.transfers.services.trips import arrive, dispatch_trip, pick_up

__all__ = [
    "accept_plan",
    "arrive",
    "cancel_request",
    "create_depot",
    "create_vehicle",
    "dispatch_trip",
    "lock_trip",
    "move_stop",
    "pick_up",
    "record_disinfection",
    "request_for_case",
    "request_for_contact",
    "request_for_placement",
    "request_transfer",
    "run_plan",
    "set_vehicle_out_of_service",
]
