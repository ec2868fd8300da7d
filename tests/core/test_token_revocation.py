"""API tokens die with the password that made them (whoever changed it, however), not with
a re-hash on sign-in; an administrator can end anyone's tokens, audited; nobody else can."""

from __future__ import annotations

import pytest

from fangkong.core.errors import NotFound
from fangkong.core.models import ApiToken, AuditLog
from fangkong.core.services.tokens import revoke_token
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Quiet-river-2048"


def works(api, key) -> bool:
    return api.get("/api/v1/me", key).status_code == 200


def test_changing_ones_own_password_ends_ones_tokens(users, login, api, token_for):
    key = token_for(users["township_a"])
    assert works(api, key)
    response = login(users["township_a"]).post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not works(api, key)
    token = ApiToken.objects.get(user=users["township_a"])
    assert token.revoked_at is not None
    assert AuditLog.objects.filter(
        actor=users["township_a"], object_id=str(token.pk), detail="revoked: password changed"
    ).exists()


def test_an_administrators_password_reset_ends_the_users_tokens(users, login, api, token_for):
    key = token_for(users["township_b"])
    response = login(users["admin"]).post(
        f"/admin/users/{users['township_b'].pk}/password/", {"password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert not works(api, key)
    assert AuditLog.objects.filter(actor=users["admin"], detail="revoked: password reset").exists()


def test_a_password_set_any_other_way_ends_the_tokens_too(users, api, token_for):
    """e.g. ``fangkong changepassword`` on the server."""
    user = users["township_a"]
    key = token_for(user)
    user.set_password(NEW_PASSWORD)
    user.save()
    assert not works(api, key)


def test_a_rehash_of_the_same_password_on_sign_in_keeps_the_tokens(
    users, client, api, token_for, settings
):
    key = token_for(users["township_a"])
    # a stronger hasher now preferred: signing in re-hashes the stored password
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    before = users["township_a"].password
    response = client.post("/login/", {"username": "town_a", "password": PASSWORD})
    assert response.status_code == 302
    users["township_a"].refresh_from_db()
    assert users["township_a"].password != before  # re-hashed
    assert works(api, key)


def test_an_administrator_revokes_all_tokens_of_a_user(users, login, api, token_for):
    target = users["township_a"]
    keys = [token_for(target, name="scanner 1"), token_for(target, name="scanner 2")]
    other = token_for(users["township_b"])
    admin = login(users["admin"])
    page = admin.get(f"/admin/users/{target.pk}/")
    assert [t.name for t in page.context["target_tokens"]] == ["scanner 2", "scanner 1"]
    response = admin.post(f"/admin/users/{target.pk}/tokens/revoke/")
    assert response.status_code == 302
    assert not any(works(api, k) for k in keys)
    assert works(api, other)  # nobody else's
    assert (
        AuditLog.objects.filter(actor=users["admin"], detail="revoked by an administrator").count()
        == 2
    )
    assert list(admin.get(f"/admin/users/{target.pk}/").context["target_tokens"]) == []


def test_only_an_administrator_revokes_someone_elses_tokens(users, login, api, token_for):
    key = token_for(users["township_a"])
    response = login(users["county"]).post(f"/admin/users/{users['township_a'].pk}/tokens/revoke/")
    assert response.status_code == 403
    token = ApiToken.objects.get(user=users["township_a"])
    with pytest.raises(NotFound):
        revoke_token(token.pk, by=users["township_b"])
    assert works(api, key)
    revoke_token(token.pk, by=users["admin"])
    assert not works(api, key)
