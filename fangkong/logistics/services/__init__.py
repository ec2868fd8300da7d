"""Every write on supplies and freight passes. Keyword-only ``by=``, validated, one
transaction, audited."""

from fangkong.logistics.services.passes import (
    CrewData,
    PassApplication,
    apply,
    approve,
    check_number,
    refuse,
    revoke,
    verify_at_checkpoint,
    verify_freight_pass,
    verify_on_shift,
)
from fangkong.logistics.services.supplies import create_point, receive, use

__all__ = [
    "CrewData",
    "PassApplication",
    "apply",
    "approve",
    "check_number",
    "create_point",
    "receive",
    "refuse",
    "revoke",
    "use",
    "verify_at_checkpoint",
    "verify_freight_pass",
    "verify_on_shift",
]
