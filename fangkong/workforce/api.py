"""The essential workers and rosters API under /api/v1/workforce."""

from ninja import Router

router = Router(tags=["essential workers and rosters"])
