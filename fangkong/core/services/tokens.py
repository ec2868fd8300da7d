"""Personal API tokens for devices, labs and integrations."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
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
    """Revoke one of one's own tokens, or (token.revoke_any) anyone's."""
    live = ApiToken.objects.filter(pk=token_id, revoked_at__isnull=True)
    if not by.can("token.revoke_any"):
        live = live.filter(user=by)
    token = live.first()
    if token is None:
        raise NotFound(_("No such token."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    detail = "revoked" if token.user_id == by.pk else "revoked by an administrator"
    audit.record(audit.Action.UPDATE, token, by=by, detail=detail)
    return token


@transaction.atomic
def revoke_live_tokens(user: Actor, *, by: Actor | None, detail: str) -> int:
    """End every live token of ``user`` (a password change, an administrator's action);
    one audit row per token. The caller has checked who may do this."""
    tokens = list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))
    now = timezone.now()
    for token in tokens:
        token.revoked_at = now
    ApiToken.objects.bulk_update(tokens, ["revoked_at"])
    for token in tokens:
        audit.record(audit.Action.UPDATE, token, by=by, detail=detail)
    return len(tokens)


@transaction.atomic
def revoke_all_tokens(user: User, *, by: User) -> int:
    """An administrator ends every live token of someone (a lost device, a leaver)."""
    if user.pk != by.pk:
        require(by, "token.revoke_any")
    return revoke_live_tokens(user, by=by, detail="revoked by an administrator")


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


def tokens_of(user: Actor):
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def live_tokens_of(user: Actor):
    return tokens_of(user).filter(revoked_at__isnull=True).exclude(expires_at__lte=timezone.now())
