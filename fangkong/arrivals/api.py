"""The arrivals and ledgers API under /api/v1/arrivals."""

from ninja import Router

router = Router(tags=["arrivals and ledgers"])
