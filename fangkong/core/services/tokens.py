"""Personal API tokens for devices, labs and integrations."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.errors import NotFound, ValidationFailed
from fangkong.core.models import ApiToken, User
from fangkong.core.permissions import require

TOKEN_PREFIX = "fk_"  # noqa: S105 - a prefix, not a secret


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_token(*, by: User, name: str, days: int | None = 90) -> tuple[ApiToken, str]:
    """Create a token for ``by``; returns it and the secret, which is never stored."""
    require(by, "token.own")
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the token a name."), field="name")
    if len(name) > 80:
        raise ValidationFailed(_("At most 80 characters."), field="name")
    if days is not None and not 1 <= days <= 366:
        raise ValidationFailed(_("Between 1 and 366 days."), field="days")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=by,
        name=name,
        prefix=key[:10],
        key_hash=_hash(key),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    audit.record(audit.Action.CREATE, token, by=by, after=audit.snapshot(token))
    return token, key


@transaction.atomic
def revoke_token(token_id: int, *, by: User) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=by, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound(_("No such token."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(audit.Action.UPDATE, token, by=by, detail="revoked")
    return token


def user_for_token(key: str) -> User | None:
    """The active user a live token belongs to, or None."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        # Coarse on purpose: a device scanning 300 tubes a second must not write each time.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def tokens_of(user: Any):
    return ApiToken.objects.filter(user=user).order_by("-created_at")
