"""The home isolation API under /api/v1/home-isolation."""

from ninja import Router

router = Router(tags=["home isolation"])
