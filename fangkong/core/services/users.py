"""Account administration: every change to a user, its roles and areas is audited."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.models import User, UserRole
from fangkong.core.permissions import require
from fangkong.core.roles import Role
from fangkong.core.services.tokens import revoke_live_tokens

_USER_FIELDS = ["username", "display_name", "phone", "is_active"]


def _user_state(user: User) -> dict[str, Any]:
    state = audit.snapshot(user, _USER_FIELDS) or {}
    state["roles"] = sorted(user.role_set.values_list("role", flat=True))
    state["areas"] = sorted(user.areas.values_list("code", flat=True))
    return state


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password") from exc


def _set_roles_and_areas(user: User, roles: Iterable[str], areas: Iterable[Any]) -> None:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationFailed(_("Unknown role: %s") % ", ".join(unknown), field="roles")
    areas = list(areas)
    if not roles:
        raise ValidationFailed(_("Choose at least one role."), field="roles")
    if not areas:
        raise ValidationFailed(_("Choose at least one area."), field="areas")
    UserRole.objects.filter(user=user).exclude(role__in=roles).delete()
    have = set(UserRole.objects.filter(user=user).values_list("role", flat=True))
    UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in roles if r not in have])
    user.areas.set(areas)
    user.__dict__.pop("role_codes", None)
    user.__dict__.pop("area_paths", None)


@transaction.atomic
def create_user(
    *,
    by: Actor | None,
    username: str,
    password: str,
    roles: Iterable[str],
    areas: Iterable[Any],
    display_name: str = "",
    phone: str = "",
) -> User:
    """Create an account with its roles and areas."""
    if by is not None:
        require(by, "user.manage")
    username = username.strip()
    if not username:
        raise ValidationFailed(_("A username is required."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(_("This username is already taken."), field="username")
    user = User(username=username, display_name=display_name, phone=phone)
    _check_password(password, user)
    user.set_password(password)
    user.save()
    _set_roles_and_areas(user, roles, areas)
    audit.record(audit.Action.CREATE, user, by=by, after=_user_state(user))
    return user


@transaction.atomic
def update_user(
    user: User,
    *,
    by: Actor,
    roles: Iterable[str],
    areas: Iterable[Any],
    display_name: str,
    phone: str,
    is_active: bool,
) -> User:
    """Change an account's roles, areas, name or whether it may sign in."""
    require(by, "user.manage")
    if user.pk == by.pk and not is_active:
        raise ValidationFailed(_("You cannot disable your own account."), field="is_active")
    before = _user_state(user)
    user.display_name, user.phone, user.is_active = display_name, phone, is_active
    user.save(update_fields=["display_name", "phone", "is_active"])
    _set_roles_and_areas(user, roles, areas)
    audit.record(audit.Action.UPDATE, user, by=by, before=before, after=_user_state(user))
    return user


@transaction.atomic
def reset_password(user: User, *, by: Actor, password: str) -> None:
    """Set a new password for someone else's account (the admin tells them out of band)."""
    require(by, "user.manage")
    _check_password(password, user)
    # Tokens die with the password (before the save, so they are put down to ``by``).
    revoke_live_tokens(user, by=by, detail="revoked: password reset")
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(audit.Action.UPDATE, user, by=by, detail="password reset")


@transaction.atomic
def change_own_password(user: User, *, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationFailed(_("Your current password is not correct."), field="old_password")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="new_password1") from exc
    revoke_live_tokens(user, by=user, detail="revoked: password changed")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(audit.Action.UPDATE, user, by=user, detail="password changed")
