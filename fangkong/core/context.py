"""Per-request context (the request id) available to logs and the audit log."""

import ipaddress
from contextvars import ContextVar
from typing import Any

from django.conf import settings

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
client_ip_var: ContextVar[str] = ContextVar("client_ip", default="")


def client_ip(request: Any) -> str:
    """The address a request came from: ``REMOTE_ADDR``, or with ``FANGKONG_TRUSTED_PROXIES``
    = N reverse proxies in front, the address the outermost of them saw (N-th from the right
    of ``X-Forwarded-For``); entries to its left are whatever the client claimed."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    hops = int(getattr(settings, "FANGKONG_TRUSTED_PROXIES", 0) or 0)
    if hops <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < hops:
        return remote
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
