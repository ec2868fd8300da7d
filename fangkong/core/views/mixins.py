from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied


class PermissionMixin(LoginRequiredMixin):
    """Signed-in users whose roles hold ``permission``; others get 403 (anonymous: login)."""

    permission: str = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.permission and not request.user.can(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
