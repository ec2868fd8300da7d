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
    verify_freight_pass,
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
    "verify_freight_pass",
]
