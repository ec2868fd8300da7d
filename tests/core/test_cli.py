"""The command line: the demo loads once and reuses what exists; the fangkong command wraps
Django's management commands."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from fangkong.areas.models import Area
from fangkong.core.demo import DEMO_USERS
from fangkong.core.models import User
from fangkong.people.models import Person

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", "--population", "200", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in apps.get_models() if m._meta.managed}


def logins_from(output: str) -> dict[str, str]:
    lines = output.split("demo logins (username / password / role):", 1)[1].strip().splitlines()
    return {line.split()[0]: line.split()[1] for line in lines}


def test_demo_loads_the_county_people_and_one_user_per_role(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    output = demo()
    assert Area.objects.filter(depth=1).get().code == "500242"
    assert Area.objects.filter(depth=2).count() == 39
    assert Person.objects.count() == 200
    logins = logins_from(output)
    assert set(logins) == {u for u, _r, _a in DEMO_USERS}
    for username, role, _where in DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.role_codes == {role}
        assert user.areas.exists()
    client = Client()
    response = client.post("/login/", {"username": "township", "password": logins["township"]})
    assert response.status_code == 302


def test_demo_second_run_creates_nothing_and_keeps_the_logins(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    first = logins_from(demo())
    counts = row_counts()
    second_output = demo()
    assert "reusing" in second_output
    assert logins_from(second_output) == first
    after = row_counts()
    after.pop("core.AuditLog"), counts.pop("core.AuditLog")
    assert after == counts


def test_demo_logins_file_is_private(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    demo("--quiet-logins")
    path = tmp_path / "demo-logins.json"
    assert path.stat().st_mode & 0o777 == 0o600


def test_fangkong_command_wraps_management_commands():
    result = subprocess.run(
        [sys.executable, "-m", "fangkong.cli", "help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for command in ("demo", "serve", "worker", "rotate_keys", "purge_personal_data", "migrate"):
        assert command in result.stdout
