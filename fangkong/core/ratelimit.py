"""Per-user limits on reading personal data in bulk: reveals, person searches and exports.

Each action allows ``FANGKONG_RATE_LIMITS[action] = (count, seconds)``: at most ``count``
in each window of ``seconds``. On PostgreSQL the counts are rows of ``RateCount``, each
counted by one upsert, so every web process and machine shares them (Django's database
cache took eleven statements a count: a cull check, an add, a read and a write, each in its
own transaction); on the embedded SQLite they live in process memory (the cache
``"ratelimit"``). Over the limit, ``hit`` raises ``RateLimited`` (HTTP 429) with a message
saying when to try again.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils.translation import gettext as _

from fangkong.core.actors import Actor
from fangkong.core.db import statements
from fangkong.core.db.vendor import table
from fangkong.core.errors import RateLimited

CACHE = "ratelimit"
PURGE_EVERY = 1000  # counts, on average, between deletions of the expired rows


class Keyed(Protocol):
    """Whoever is counted: a user, or a stand-in keyed by client address (public forms)."""

    pk: Any


def _now() -> float:
    return time.time()


def _message(action: str, minutes: int) -> str:
    if action == "arrival.preregister":
        return _(
            "Too many registrations from this connection: try again in %(minutes)d minutes."
        ) % {"minutes": minutes}
    if action == "portal.link":
        return _("This link was used too often: try again in %(minutes)d minutes.") % {
            "minutes": minutes
        }
    if action == "pii.reveal":
        return _("Too many reveals: try again in %(minutes)d minutes.") % {"minutes": minutes}
    if action == "export":
        return _("Too many exports: try again in %(minutes)d minutes.") % {"minutes": minutes}
    return _("Too many searches: try again in %(minutes)d minutes.") % {"minutes": minutes}


def hit(user: Actor | Keyed, action: str) -> None:
    """Count one ``action`` by ``user``; raise RateLimited once over the limit."""
    limit, window = settings.FANGKONG_RATE_LIMITS[action]
    now = _now()
    start = int(now // window * window)
    key = f"{action}:{user.pk}:{start}"
    count = (
        _counted(key, start + window) if connection.vendor == "postgresql" else _cached(key, window)
    )
    if count > limit:
        wait = max(1, math.ceil(start + window - now))
        raise RateLimited(_message(action, max(1, math.ceil(wait / 60))), retry_after=wait)


def _counted(key: str, expires: float) -> int:
    from fangkong.core.models import RateCount

    sql = statements.statement(
        "core.ratelimit.count",
        lambda: (
            f'INSERT INTO {table(RateCount)} ("key", "count", "expires_at") VALUES (%s, 1, %s) '  # noqa: S608
            f'ON CONFLICT ("key") DO UPDATE SET "count" = {table(RateCount)}."count" + 1 '
            'RETURNING "count"'
        ),
    )
    row = statements.query_one(sql, [key, dt.datetime.fromtimestamp(expires, tz=dt.UTC)])
    if random.random() < 1 / PURGE_EVERY:  # noqa: S311 (housekeeping, not security)
        sweep = statements.statement(
            "core.ratelimit.sweep",
            lambda: f'DELETE FROM {table(RateCount)} WHERE "expires_at" < %s',  # noqa: S608
        )
        statements.execute(sweep, [dt.datetime.fromtimestamp(_now(), tz=dt.UTC)])
    assert row is not None
    return int(row[0])


def _cached(key: str, window: int) -> int:
    cache = caches[CACHE]
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1
