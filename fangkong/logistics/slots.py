"""The logistics sections on other apps' pages (core.slots): the freight pass fast lane on
the checkpoint officer's phone page."""

from fangkong.core.slots import register

register(
    "checkpoints.check",
    "logistics.freight_pass",
    template="logistics/_checkpoint_pass.html",
    permission="freight_pass.verify",
)
