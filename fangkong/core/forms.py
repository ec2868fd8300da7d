from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.areas.models import Area
from fangkong.areas.widgets import AreaMultipleField
from fangkong.core.models import User
from fangkong.core.roles import Role


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong username or password."),
        "inactive": _("This account has been disabled. Ask your system administrator."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                # A disabled account with the right password is told so; a wrong password
                # is never told whether the account exists.
                user = User.objects.filter(username=username, is_active=False).first()
                if user is not None and user.check_password(password):
                    raise forms.ValidationError(self.error_messages["inactive"], code="inactive")
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class VerifyCodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), widget=forms.PasswordInput)
    new_password1 = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput,
        help_text=_("At least 10 characters, not only digits, not a common password."),
    )
    new_password2 = forms.CharField(label=_("New password again"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords differ."))
        return data


def _area_choices():
    return Area.objects.filter(depth__lte=3).order_by("path")


class UserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Name"), max_length=60, required=False)
    phone = forms.CharField(label=_("Work phone"), max_length=20, required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    areas = AreaMultipleField(label=_("Areas"), max_depth=3)
    is_active = forms.BooleanField(label=_("May sign in"), required=False, initial=True)
    password = forms.CharField(
        label=_("Initial password"), widget=forms.PasswordInput, required=False
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = _area_choices()
        if editing:
            del self.fields["password"]
            self.fields["username"].disabled = True
            # A disabled field takes its value from ``initial``, which a POST does not carry;
            # the username cannot change anyway, so it must not be required.
            self.fields["username"].required = False
        else:
            self.fields["password"].required = True


class ResetPasswordForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=pgettext_lazy("thing", "Name"),
        max_length=80,
        help_text=_("What the token is for, e.g. 'sampling tablet 3'."),
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=366, initial=90)
