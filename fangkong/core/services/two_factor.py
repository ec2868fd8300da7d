"""TOTP second factor (django-otp): available to all, required for some roles by setting."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.core import audit
from fangkong.core.errors import ValidationFailed


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_required(user: Any) -> bool:
    return bool(settings.FANGKONG_REQUIRE_2FA and user.has_role(*settings.FANGKONG_2FA_ROLES))


def needs_second_factor(user: Any) -> str | None:
    """ "verify" when the user has a device but this session is not verified; "setup" when the
    role requires one and there is none; None when the session may go on."""
    if confirmed_device(user) is not None:
        return "verify"
    if is_required(user):
        return "setup"
    return None


@transaction.atomic
def start_setup(user: Any) -> TOTPDevice:
    """An unconfirmed device whose secret the user scans; replaces any earlier unconfirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    img = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()


@transaction.atomic
def confirm_setup(request: Any, device: TOTPDevice, code: str) -> None:
    if not device.verify_token((code or "").strip()):
        raise ValidationFailed(
            _("The code is not correct; check the time on your phone."), field="code"
        )
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    audit.record(audit.Action.UPDATE, request.user, by=request.user, detail="2FA device set up")


def verify(request: Any, code: str) -> None:
    device = confirmed_device(request.user)
    if device is None or not device.verify_token((code or "").strip()):
        raise ValidationFailed(_("The code is not correct."), field="code")
    otp_login(request, device)
