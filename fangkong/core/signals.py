"""Sign-ins and sign-outs go to the audit log too; a new password ends the API tokens; a
change of a user's roles, areas or activity retires the cached notice recipients."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from fangkong.core import audit, counts
from fangkong.core.models import User, UserRole
from fangkong.core.notifications import RECIPIENTS


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


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _password_changed(sender, instance, created, **kwargs):
    """Whatever set the password (the services end the tokens themselves, naming who did;
    this catches the rest, e.g. ``fangkong changepassword``). Django marks a real change in
    ``_password``; re-hashing on sign-in does not, so an upgrade kills no token."""
    if not created and getattr(instance, "_password", None) is not None:
        from fangkong.core.services.tokens import revoke_live_tokens

        revoke_live_tokens(instance, by=None, detail="revoked: password changed")


@receiver(post_save, sender=User, dispatch_uid="core.recipients.user")
@receiver(post_delete, sender=User, dispatch_uid="core.recipients.user_deleted")
@receiver(post_save, sender=UserRole, dispatch_uid="core.recipients.role")
@receiver(post_delete, sender=UserRole, dispatch_uid="core.recipients.role_deleted")
@receiver(m2m_changed, sender=User.areas.through, dispatch_uid="core.recipients.areas")
def _recipients_changed(sender, **kwargs):
    if not kwargs.get("action", "post_").startswith("post_"):
        return  # the m2m change's pre_ half
    if set(kwargs.get("update_fields") or ()) == {"last_login"}:
        return  # a sign-in
    counts.changed(RECIPIENTS)
