"""Sign-ins and sign-outs go to the audit log too."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from fangkong.core import audit


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record(audit.Action.LOGIN, user, by=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(audit.Action.LOGOUT, user, by=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit.record(
        audit.Action.LOGIN_FAILED,
        by=None,
        object_type="core.user",
        object_repr=username,
        detail="wrong credentials or locked out",
    )
