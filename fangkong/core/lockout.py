"""Sign-in lockout (django-axes): by account-and-address, and by address alone.

- A user name tried from one address locks after ``FANGKONG_LOGIN_FAILURE_LIMIT`` failures,
  for that address only: someone guessing the county account from one machine cannot lock
  it for the command centre signing in from elsewhere.
- One address locks after ``FANGKONG_LOGIN_IP_FAILURE_LIMIT`` failures over any accounts
  (a machine trying many accounts); set higher, as a township office signs in from behind
  one NAT address.
- Both end by themselves after the cool-off (``AXES_COOLOFF_TIME``): a delay, not a lock
  an administrator must lift. A successful sign-in clears that account's failures from
  that address, not the address's record.

The client address comes from ``fangkong.core.context.client_ip`` (proxies as configured).
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


def _sum(attempts: Any) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with its own limit for the address alone.

    Expects ``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]``."""

    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        per_account, per_address = (_sum(a) for a in self.get_user_attempts(request, credentials))
        if per_address >= settings.FANGKONG_LOGIN_IP_FAILURE_LIMIT:
            # the address is locked: count as many as the account limit, whoever signs in
            return max(per_account, get_failure_limit(request, credentials))
        return per_account

    def reset_user_attempts(self, request: Any, credentials: dict | None = None) -> int:
        per_account = self.filter_user_attempts(request, credentials)[0]
        count, _rows = per_account.delete()
        return count
