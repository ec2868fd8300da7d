"""The supplies and freight passes API under /api/v1/logistics."""

from ninja import Router

router = Router(tags=["supplies and freight passes"])
