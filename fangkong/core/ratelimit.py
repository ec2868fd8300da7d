"""Per-user limits on reading personal data in bulk: reveals, person searches and exports.

Each action allows ``FANGKONG_RATE_LIMITS[action] = (count, seconds)``: at most ``count``
in each window of ``seconds``. The counts live in Django's cache ``"ratelimit"`` (the
database on PostgreSQL, so every web process and machine shares them; process memory on
the embedded SQLite). Over the limit, ``hit`` raises ``RateLimited`` (HTTP 429) with a
message saying when to try again.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _

from fangkong.core.actors import Actor
from fangkong.core.errors import RateLimited

CACHE = "ratelimit"


def _now() -> float:
    return time.time()


def _message(action: str, minutes: int) -> str:
    if action == "pii.reveal":
        return _("Too many reveals: try again in %(minutes)d minutes.") % {"minutes": minutes}
    if action == "export":
        return _("Too many exports: try again in %(minutes)d minutes.") % {"minutes": minutes}
    return _("Too many searches: try again in %(minutes)d minutes.") % {"minutes": minutes}


def hit(user: Actor, action: str) -> None:
    """Count one ``action`` by ``user``; raise RateLimited once over the limit."""
    limit, window = settings.FANGKONG_RATE_LIMITS[action]
    now = _now()
    start = int(now // window * window)
    key = f"{action}:{user.pk}:{start}"
    cache = caches[CACHE]
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count > limit:
        wait = max(1, math.ceil(start + window - now))
        raise RateLimited(_message(action, max(1, math.ceil(wait / 60))), retry_after=wait)
