"""The cases and contacts API under /api/v1/cases."""

from ninja import Router

router = Router(tags=["cases and contacts"])
