"""The entry checkpoints API under /api/v1/checkpoints."""

from ninja import Router

router = Router(tags=["entry checkpoints"])
