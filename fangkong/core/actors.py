"""Who acts, as services, selectors and the API see it.

Services take their actor keyword-only as ``by: Actor``; API operations behind the API's
authentication receive an ``AuthedRequest``, whose ``user`` is a signed-in ``User`` (the
auth has refused anonymous and half-signed-in sessions before the operation runs), so the
type checker need not be told the same thing in every function.
"""

from __future__ import annotations

from django.http import HttpRequest

from fangkong.core.models import User

Actor = User


class AuthedRequest(HttpRequest):
    """A request the API's authentication let through."""

    user: User
