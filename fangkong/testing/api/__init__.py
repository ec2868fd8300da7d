"""The testing API, one module per stage: setup, sampling, transport, lab, follow-up.

Each stage has its own router; this one mounts them in that order (the order their paths
are matched in)."""

from ninja import Router

from fangkong.testing.api import followup, lab, sampling, setup, transport

router = Router(tags=["testing"])
for stage in (setup, sampling, transport, lab, followup):
    router.add_router("", stage.router)
