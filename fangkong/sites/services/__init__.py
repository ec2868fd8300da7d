"""Every write on sites, rooms, stays and turnover. Keyword-only ``by=``, validated, one
transaction, audited, on the person's and the room's timeline."""

from fangkong.sites.services.releases import (
    flag_due_releases,
    record_overstay_reason,
    release,
    release_batch,
)
from fangkong.sites.services.rooms import set_room_state
from fangkong.sites.services.sites import (
    SiteData,
    bulk_create_rooms,
    create_room,
    create_site,
    update_site,
)
from fangkong.sites.services.stays import check_in, move
from fangkong.sites.services.turnover import next_step, record_step

__all__ = [
    "SiteData",
    "bulk_create_rooms",
    "check_in",
    "create_room",
    "create_site",
    "flag_due_releases",
    "move",
    "next_step",
    "record_overstay_reason",
    "record_step",
    "release",
    "release_batch",
    "set_room_state",
    "update_site",
]
