"""Who acts, as services, selectors and the API see it.

Services take their actor keyword-only as ``by: Actor`` (``Actor | None`` where ``None``
is the system itself: a scheduled task, a pipeline, a management command); selectors take
the reader as ``user: Actor``. API operations behind the API's authentication receive an
``AuthedRequest``, whose ``user`` is a signed-in ``User`` (the auth has refused anonymous
and half-signed-in sessions before the operation runs), so the type checker need not be
told the same thing in every function. Scoping and the permission checks also take a
``MaybeActor`` (a page's ``request.user`` may be anonymous): they see nothing and refuse
for anyone not signed in.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from fangkong.core.models import User

Actor = User

MaybeActor = User | AnonymousUser | None


class AuthedRequest(HttpRequest):
    """A request the API's authentication let through."""

    user: User
