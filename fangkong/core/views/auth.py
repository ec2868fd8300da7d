from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.core.errors import DomainError, PermissionDenied, ValidationFailed
from fangkong.core.forms import CodeForm, LoginForm, PasswordChangeForm, VerifyCodeForm
from fangkong.core.services import two_factor
from fangkong.core.services.users import change_own_password
from fangkong.core.views.generic import add_domain_error


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def _next(request, default="home"):
    nxt = request.GET.get("next") or request.POST.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
        return nxt
    return default


def _recovery_codes_page(request, codes, *, next_url):
    return render(
        request, "core/two_factor_recovery_codes.html", {"codes": codes, "next": next_url}
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    if two_factor.owed_by(request) == "verify":
        # Replacing a confirmed device takes that device (or a recovery code) first.
        return redirect(f"{reverse('two_factor_verify')}?next={reverse('two_factor_setup')}")
    device = None
    try:
        if request.method == "POST":
            form = CodeForm(request.POST)
            device = two_factor.pending_device(request.user)
            if device is None:
                return redirect("two_factor_setup")
            if form.is_valid():
                try:
                    codes = two_factor.confirm_setup(request, device, form.cleaned_data["code"])
                except ValidationFailed as exc:
                    add_domain_error(form, exc)
                else:
                    messages.success(request, _("Two-factor sign-in is on for your account."))
                    return _recovery_codes_page(request, codes, next_url=_next(request))
        else:
            form = CodeForm()
            device = two_factor.start_setup(request)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc.message)) from exc
    ctx = {
        "form": form,
        "qr": two_factor.qr_svg(device),
        "secret": device.bin_key.hex(),
        "required": two_factor.is_required(request.user),
        "replacing": two_factor.confirmed_device(request.user) is not None,
    }
    return render(
        request,
        "core/two_factor_setup.html",
        ctx,
        status=200 if form.is_bound is False or not form.errors else 422,
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    form = VerifyCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.verify(request, form.cleaned_data["code"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect(_next(request))
    return render(
        request, "core/two_factor_verify.html", {"form": form}, status=422 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_recovery(request):
    """How many recovery codes are left; a new set on request (the old ones stop working)."""
    if two_factor.confirmed_device(request.user) is None:
        return redirect("two_factor_setup")
    if request.method == "POST":
        try:
            codes = two_factor.regenerate_recovery_codes(request)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc.message)) from exc
        return _recovery_codes_page(request, codes, next_url=reverse("home"))
    return render(
        request,
        "core/two_factor_recovery.html",
        {"left": two_factor.recovery_codes_left(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change_own_password(
                request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("home")
    return render(
        request, "core/password_change.html", {"form": form}, status=422 if form.errors else 200
    )
