"""User management for system admins: create with roles and areas, edit, reset password,
disable; refusals for everyone else; bad input named field by field with nothing written."""

from __future__ import annotations

import pytest
from django.test import Client

from fangkong.core.models import AuditLog, User
from fangkong.core.roles import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

STRONG = "Quiet-river-2048"


def new_user_form(county, **overrides):
    data = {
        "username": "zhou",
        "display_name": "周七",
        "phone": "13900001111",
        "roles": [Role.TOWNSHIP_OFFICER, Role.SAMPLER],
        "areas": [county.town_a.pk],
        "is_active": "on",
        "password": STRONG,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def edit_form(user, **overrides):
    data = {
        "display_name": user.display_name,
        "phone": user.phone,
        "roles": sorted(user.role_codes),
        "areas": [a.pk for a in user.areas.all()],
        "is_active": "on" if user.is_active else None,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def can_sign_in(username, password) -> bool:
    return Client().post("/login/", {"username": username, "password": password}).status_code == 302


def test_user_pages_only_for_system_admins(access, users):
    for url in ("/admin/users/", "/admin/users/new/", f"/admin/users/{users['lab'].pk}/"):
        access.check(url, allowed=["admin"], denied_role=["county", "township_a", "auditor", "lab"])


def test_admin_creates_a_user_with_roles_and_areas(users, login, county):
    response = login(users["admin"]).post("/admin/users/new/", new_user_form(county))
    assert response.status_code == 302
    user = User.objects.get(username="zhou")
    assert user.role_codes == {Role.TOWNSHIP_OFFICER, Role.SAMPLER}
    assert list(user.areas.all()) == [county.town_a]
    assert user.display_name == "周七"
    assert can_sign_in("zhou", STRONG)
    assert AuditLog.objects.filter(
        action="create", object_type="core.user", object_id=str(user.pk), actor=users["admin"]
    ).exists()


def test_new_user_sees_only_their_area(users, login, county, person_a, person_b):
    login(users["admin"]).post("/admin/users/new/", new_user_form(county))
    client = login(User.objects.get(username="zhou"))
    assert client.get(f"/people/persons/{person_a.pk}/").status_code == 200
    assert client.get(f"/people/persons/{person_b.pk}/").status_code == 404


def test_admin_user_list_shows_users(users, login):
    response = login(users["admin"]).get("/admin/users/", {"q": "town"})
    names = {obj.username for obj, _ in response.context["rows"]}
    assert names == {"town_a", "town_b"}


def test_non_admin_cannot_create_a_user(users, login, county):
    for who in ("county", "township_a", "auditor"):
        response = login(users[who]).post("/admin/users/new/", new_user_form(county))
        assert response.status_code == 403, who
    assert not User.objects.filter(username="zhou").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": "town_a"}, "username"),
        ({"username": "TOWN_A"}, "username"),
        ({"username": ""}, "username"),
        ({"password": "short"}, "password"),
        ({"password": "12345678901234"}, "password"),
        ({"password": None}, "password"),
        ({"roles": None}, "roles"),
        ({"roles": ["emperor"]}, "roles"),
        ({"areas": None}, "areas"),
        ({"areas": [999999]}, "areas"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(users, login, county, overrides, field):
    client = login(users["admin"])
    users_before = User.objects.count()
    audit_before = AuditLog.objects.count()
    response = client.post("/admin/users/new/", new_user_form(county, **overrides))
    assert response.status_code == 422
    assert field in response.context["form"].errors, response.context["form"].errors
    assert User.objects.count() == users_before
    assert AuditLog.objects.count() == audit_before


def test_admin_edits_roles_areas_and_name(users, login, county):
    target = users["sampler_a"]
    response = login(users["admin"]).post(
        f"/admin/users/{target.pk}/",
        edit_form(
            target, display_name="新名字", roles=[Role.VILLAGE_CADRE], areas=[county.village_b.pk]
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    target = User.objects.get(pk=target.pk)
    assert target.display_name == "新名字"
    assert target.role_codes == {Role.VILLAGE_CADRE}
    assert list(target.areas.all()) == [county.village_b]
    assert target.username == "sampler_a"


def test_edit_cannot_rename_the_account(users, login):
    target = users["sampler_a"]
    login(users["admin"]).post(f"/admin/users/{target.pk}/", edit_form(target, username="hacker"))
    assert User.objects.filter(username="sampler_a").exists()
    assert not User.objects.filter(username="hacker").exists()


def test_edit_without_a_role_names_the_field(users, login):
    target = users["sampler_a"]
    response = login(users["admin"]).post(
        f"/admin/users/{target.pk}/", edit_form(target, roles=None)
    )
    assert response.status_code == 422
    assert "roles" in response.context["form"].errors
    assert User.objects.get(pk=target.pk).role_codes == {Role.SAMPLER}


def test_edit_of_unknown_user_is_404(users, login):
    assert login(users["admin"]).get("/admin/users/999999/").status_code == 404


def test_admin_disables_a_user_who_then_cannot_sign_in(users, login):
    target = users["township_b"]
    assert can_sign_in("town_b", PASSWORD)
    other = Client()
    other.force_login(target)
    response = login(users["admin"]).post(
        f"/admin/users/{target.pk}/", edit_form(target, is_active=None)
    )
    assert response.status_code == 302
    assert User.objects.get(pk=target.pk).is_active is False
    response = Client().post("/login/", {"username": "town_b", "password": PASSWORD})
    assert "This account has been disabled" in response.content.decode()
    # an open session of the disabled user stops working too
    assert other.get("/").status_code == 302


def test_admin_cannot_disable_themselves(users, login):
    admin = users["admin"]
    response = login(admin).post(f"/admin/users/{admin.pk}/", edit_form(admin, is_active=None))
    assert response.status_code == 422
    assert "is_active" in response.context["form"].errors
    assert User.objects.get(pk=admin.pk).is_active is True


def test_admin_resets_a_password(users, login):
    target = users["township_b"]
    response = login(users["admin"]).post(
        f"/admin/users/{target.pk}/password/", {"password": STRONG}
    )
    assert response.status_code == 302
    assert can_sign_in("town_b", STRONG)
    assert not can_sign_in("town_b", PASSWORD)
    assert AuditLog.objects.filter(object_id=str(target.pk), detail="password reset").exists()


def test_reset_to_a_weak_password_is_refused_with_a_message(users, login):
    target = users["township_b"]
    client = login(users["admin"])
    response = client.post(f"/admin/users/{target.pk}/password/", {"password": "123"}, follow=True)
    assert "too short" in response.content.decode()
    assert can_sign_in("town_b", PASSWORD)


def test_non_admin_cannot_reset_a_password(users, login):
    target = users["township_b"]
    response = login(users["county"]).post(
        f"/admin/users/{target.pk}/password/", {"password": STRONG}
    )
    assert response.status_code == 403
    assert can_sign_in("town_b", PASSWORD)
