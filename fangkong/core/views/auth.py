from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.core.errors import DomainError
from fangkong.core.forms import CodeForm, LoginForm, PasswordChangeForm
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


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    device = None
    if request.method == "POST":
        form = CodeForm(request.POST)
        device = two_factor.TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        if device is None:
            return redirect("two_factor_setup")
        if form.is_valid():
            try:
                two_factor.confirm_setup(request, device, form.cleaned_data["code"])
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Two-factor sign-in is on for your account."))
                return redirect(_next(request))
    else:
        form = CodeForm()
        device = two_factor.start_setup(request.user)
    ctx = {
        "form": form,
        "qr": two_factor.qr_svg(device),
        "secret": device.bin_key.hex(),
        "required": two_factor.is_required(request.user),
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
    form = CodeForm(request.POST or None)
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
