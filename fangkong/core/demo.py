"""Demo accounts, one per role, with passwords generated once and kept in var/."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction

from fangkong.areas.models import Area
from fangkong.core.models import User
from fangkong.core.roles import Role
from fangkong.core.services.users import create_user

# username, role, area: "county", "township" (钟多街道) or "village" (its first village)
DEMO_USERS = [
    ("county", Role.COUNTY_COMMAND, "county"),
    ("township", Role.TOWNSHIP_OFFICER, "township"),
    ("village", Role.VILLAGE_CADRE, "village"),
    ("site", Role.SITE_MANAGER, "township"),
    ("dispatcher", Role.TRANSFER_DISPATCHER, "county"),
    ("sampler", Role.SAMPLER, "township"),
    ("lab", Role.LAB_TECHNICIAN, "county"),
    ("checkpoint", Role.CHECKPOINT_OFFICER, "county"),
    ("auditor", Role.AUDITOR, "county"),
    ("admin", Role.SYSTEM_ADMIN, "county"),
    ("employer", Role.EMPLOYER, "township"),
    ("driver", Role.DRIVER, "county"),
]
DEMO_TOWNSHIP_CODE = "500242002"  # 钟多街道, the county town


def demo_village(township: Area) -> Area | None:
    """The village login's area: the township's first village or community."""
    return Area.objects.filter(path__startswith=township.path, depth=3).order_by("path").first()


def logins_path() -> Path:
    return Path(settings.VAR_DIR) / "demo-logins.json"


def load_logins() -> dict[str, str]:
    path = logins_path()
    return json.loads(path.read_text()) if path.exists() else {}


@transaction.atomic
def ensure_demo_users() -> dict[str, str]:
    """Create missing demo users; returns username -> password for all of them."""
    logins = load_logins()
    county = Area.objects.get(depth=1)
    township = Area.objects.get(code=DEMO_TOWNSHIP_CODE)
    village = demo_village(township)
    areas = {"county": county, "township": township, "village": village or township}
    for username, role, where in DEMO_USERS:
        if User.objects.filter(username=username).exists() and username in logins:
            continue
        password = logins.get(username) or f"fk-{secrets.token_urlsafe(9)}"
        user = User.objects.filter(username=username).first()
        if user is None:
            create_user(
                by=None,
                username=username,
                password=password,
                roles=[role],
                areas=[areas[where]],
                display_name=f"{Role(role).label}",
            )
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        logins[username] = password
    path = logins_path()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(logins, fh, indent=1)
    return {u: logins[u] for u, _r, _a in DEMO_USERS}
