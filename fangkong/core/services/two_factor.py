"""Second factor (django-otp): a TOTP app, with single-use recovery codes for a lost phone.

Available to every account, required for some roles by setting. A session that owes its
second factor reaches nothing but the page that takes it (middleware and API auth ask
``owed_by``); a confirmed device is replaced only from a session verified with it (or a
recovery code), or after an administrator's reset.

Recovery codes live in django-otp's static device, each token stored as a keyed hash
(HMAC with the secret key), never the code itself; they are shown once.
"""

from __future__ import annotations

import io
import secrets
from base64 import b32encode
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import PermissionDenied, ValidationFailed
from fangkong.core.permissions import require

RECOVERY_DEVICE_NAME = "recovery"
_RECOVERY_SALT = "fangkong.two_factor.recovery_code"


def confirmed_device(user: Actor) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_required(user: Actor) -> bool:
    return bool(settings.FANGKONG_REQUIRE_2FA and user.has_role(*settings.FANGKONG_2FA_ROLES))


def needs_second_factor(user: Actor) -> str | None:
    """ "verify" when the user has a device but this session is not verified; "setup" when the
    role requires one and there is none; None when the session may go on."""
    if confirmed_device(user) is not None:
        return "verify"
    if is_required(user):
        return "setup"
    return None


def owed_by(request: Any) -> str | None:
    """What this signed-in session still owes before it may reach anything: "verify",
    "setup" or None (anonymous, verified, or no second factor needed)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if getattr(user, "is_verified", None) is not None and user.is_verified():
        return None
    return needs_second_factor(user)


def owed_message(need: str) -> str:
    """What an API client (or a page) tells a session that owes its second factor."""
    if need == "setup":
        return _(
            "Your role requires two-factor sign-in: set it up in the browser before using "
            "this session."
        )
    return _(
        "This session has not passed two-factor sign-in: enter the code from your "
        "authenticator app (or a recovery code) on the verify page first."
    )


def _require_may_enrol(request: Any) -> None:
    """A confirmed device is replaced only from a session that verified with a second factor:
    the password alone must not let someone swap the victim's phone for their own."""
    if confirmed_device(request.user) is not None and not request.user.is_verified():
        raise PermissionDenied(
            _(
                "Verify with your current authenticator app or a recovery code before "
                "setting up a new one. Lost both? Ask an administrator to reset your "
                "two-factor sign-in."
            ),
            code="second_factor_required",
        )


@transaction.atomic
def start_setup(request: Any) -> TOTPDevice:
    """An unconfirmed device whose secret the user scans; replaces any earlier unconfirmed."""
    _require_may_enrol(request)
    TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=request.user, name="TOTP", confirmed=False)


def pending_device(user: Actor) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def qr_svg(device: TOTPDevice) -> str:
    img = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()


@transaction.atomic
def confirm_setup(request: Any, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the scanned device (replacing an earlier one) and return a fresh set of
    recovery codes, to be shown once."""
    _require_may_enrol(request)
    if not device.verify_token((code or "").strip()):
        raise ValidationFailed(
            _("The code is not correct; check the time on your phone."), field="code"
        )
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    audit.record(audit.Action.UPDATE, request.user, by=request.user, detail="2FA device set up")
    return _issue_recovery_codes(request.user)


# --- recovery codes ----------------------------------------------------------------------------
def _normalise_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _digests(code: str) -> list[str]:
    """The stored form of a code under the current secret key and each fallback key (so
    rotating the key with SECRET_KEY_FALLBACKS does not void the codes at once)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    value = _normalise_code(code)
    # 16 hex characters is what django-otp's token column holds: 64 bits of a keyed hash.
    return [
        salted_hmac(_RECOVERY_SALT, value, secret=k, algorithm="sha256").hexdigest()[:16]
        for k in keys
    ]


def _new_code() -> str:
    raw = b32encode(secrets.token_bytes(7)).decode().lower()[:10]  # 50 bits
    return f"{raw[:5]}-{raw[5:]}"


def _issue_recovery_codes(user: Actor) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [_new_code() for _i in range(settings.FANGKONG_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=_digests(c)[0]) for c in codes]
    )
    return codes


@transaction.atomic
def regenerate_recovery_codes(request: Any) -> list[str]:
    """A new set for a verified session; every earlier code stops working."""
    if confirmed_device(request.user) is None or not request.user.is_verified():
        raise PermissionDenied(
            _("Turn on two-factor sign-in and verify this session first."),
            code="second_factor_required",
        )
    codes = _issue_recovery_codes(request.user)
    audit.record(
        audit.Action.UPDATE, request.user, by=request.user, detail="2FA recovery codes renewed"
    )
    return codes


def recovery_codes_left(user: Actor) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_DEVICE_NAME).count()


def _use_recovery_code(device: StaticDevice, code: str) -> bool:
    """Consume the matching code (once: the delete decides between concurrent uses)."""
    deleted, _rows = StaticToken.objects.filter(device=device, token__in=_digests(code)).delete()
    if deleted:
        device.throttle_reset(commit=False)
        device.set_last_used_timestamp(commit=False)
        device.save()
        return True
    device.throttle_increment()
    return False


def _is_app_code(code: str) -> bool:
    return code.isdigit() and len(code) == 6


def verify(request: Any, code: str) -> None:
    """Pass the second factor with the app's 6-digit code or one recovery code. Not one
    transaction: a failure's throttling count must stay written."""
    code = (code or "").strip()
    user = request.user
    device: Any = confirmed_device(user)
    if device is not None and not _is_app_code(code):
        device = StaticDevice.objects.filter(
            user=user, name=RECOVERY_DEVICE_NAME, confirmed=True
        ).first()
    if device is not None and not device.verify_is_allowed()[0]:
        # django-otp doubles the wait after each wrong code; guessing gets nowhere.
        raise ValidationFailed(
            _("Too many wrong codes: wait a moment and try again."), field="code"
        )
    if isinstance(device, StaticDevice):
        ok = _use_recovery_code(device, code)
        if ok:
            left = recovery_codes_left(user)
            detail = f"2FA passed with a recovery code ({left} left)"
            audit.record(audit.Action.LOGIN, user, by=user, detail=detail)
    else:
        ok = device is not None and device.verify_token(code)
    if not ok:
        raise ValidationFailed(_("The code is not correct."), field="code")
    otp_login(request, device)


@transaction.atomic
def reset(user: Actor, *, by: Actor) -> None:
    """An administrator's reset for someone who lost phone and codes: every device goes; the
    user sets up a new one at the next sign-in (or when the role requires it)."""
    require(by, "user.manage")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(audit.Action.UPDATE, user, by=by, detail="2FA reset by an administrator")
