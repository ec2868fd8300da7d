"""System administration pages: users, the audit log, background tasks, own API tokens."""

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.core import audit
from fangkong.core.errors import DomainError
from fangkong.core.forms import ResetPasswordForm, TokenForm, UserForm
from fangkong.core.models import AuditLog, User
from fangkong.core.roles import Role
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.services import tasks as task_services
from fangkong.core.services import tokens as token_services
from fangkong.core.services import two_factor
from fangkong.core.services import users as user_services
from fangkong.core.views.generic import Column, ObjectListView, ServiceFormView, add_domain_error


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="username", lookup_expr="icontains", label=gettext_lazy("Username")
    )
    role = django_filters.ChoiceFilter(
        field_name="role_set__role", label=gettext_lazy("Role"), choices=Role.choices
    )
    is_active = django_filters.BooleanFilter(label=gettext_lazy("May sign in"))

    class Meta:
        model = User
        fields = ["q", "role", "is_active"]


class UserListView(ObjectListView):
    permission = "user.manage"
    title = gettext_lazy("Users")
    empty_text = gettext_lazy("No user yet.")
    filterset_class = UserFilter
    default_order = "username"
    columns = [
        Column("username", gettext_lazy("Username"), order_by="username", link=True),
        Column("display_name", gettext_lazy("Name"), order_by="display_name"),
        Column("roles", gettext_lazy("Roles"), accessor=lambda u: "、".join(u.role_labels())),
        Column(
            "areas",
            gettext_lazy("Areas"),
            accessor=lambda u: "、".join(a.name for a in u.areas.all()),
        ),
        Column("is_active", gettext_lazy("May sign in"), order_by="is_active"),
        Column("last_login", gettext_lazy("Last sign-in"), order_by="last_login"),
    ]

    def get_queryset(self):
        return User.objects.prefetch_related("areas", "role_set").distinct()

    def can_create(self):
        return True

    create_url = reverse_lazy("user_create")


class UserCreateView(ServiceFormView):
    permission = "user.manage"
    form_class = UserForm
    title = gettext_lazy("New user")

    def perform(self, form):
        d = form.cleaned_data
        return user_services.create_user(
            by=self.request.user,
            username=d["username"],
            password=d["password"],
            roles=d["roles"],
            areas=d["areas"],
            display_name=d["display_name"],
            phone=d["phone"],
        )

    def success_url(self, result):
        messages.success(self.request, _("User %(u)s created.") % {"u": result.username})
        return reverse("user_edit", args=[result.pk])


class UserEditView(ServiceFormView):
    permission = "user.manage"
    title = gettext_lazy("Edit user")
    form_class = UserForm

    def target(self):
        return get_visible_or_404(User, self.request.user, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {"editing": True}

    def get_initial(self):
        u = self.target()
        return {
            "username": u.username,
            "display_name": u.display_name,
            "phone": u.phone,
            "roles": list(u.role_codes),
            "areas": list(u.areas.all()),
            "is_active": u.is_active,
        }

    def perform(self, form):
        d = form.cleaned_data
        return user_services.update_user(
            self.target(),
            by=self.request.user,
            roles=d["roles"],
            areas=d["areas"],
            display_name=d["display_name"],
            phone=d["phone"],
            is_active=d["is_active"],
        )

    def context(self, form):
        ctx = super().context(form)
        ctx["target"] = self.target()
        ctx["reset_form"] = ResetPasswordForm()
        ctx["template_extra"] = "core/_user_security.html"
        ctx["target_has_2fa"] = two_factor.confirmed_device(ctx["target"]) is not None
        ctx["target_tokens"] = token_services.live_tokens_of(ctx["target"])
        return ctx

    def success_url(self, result):
        messages.success(self.request, _("Saved."))
        return reverse("user_edit", args=[result.pk])


def _target_user(request, pk, permission):
    """The account an administrator's action is about: 403 without the permission (asked
    first, so the answer says nothing of which accounts exist), 404 for no such account."""
    if not request.user.can(permission):
        raise PermissionDenied
    return get_visible_or_404(User, request.user, pk=pk)


@login_required
@require_POST
def user_reset_password(request, pk):
    target = _target_user(request, pk, "user.manage")
    form = ResetPasswordForm(request.POST)
    if form.is_valid():
        try:
            user_services.reset_password(
                target, by=request.user, password=form.cleaned_data["password"]
            )
        except DomainError as exc:
            messages.error(
                request,
                "; ".join(str(m) for ms in exc.fields.values() for m in ms) or str(exc.message),
            )
        else:
            messages.success(request, _("Password reset."))
    return redirect("user_edit", pk=pk)


@login_required
@require_POST
def user_reset_2fa(request, pk):
    """An administrator's reset for a user who lost both phone and recovery codes."""
    target = _target_user(request, pk, "user.manage")
    try:
        two_factor.reset(target, by=request.user)
    except DomainError as exc:
        raise PermissionDenied from exc
    messages.success(
        request,
        _("Two-factor sign-in of %(u)s was reset: they set it up again at their next sign-in.")
        % {"u": target.username},
    )
    return redirect("user_edit", pk=pk)


@login_required
@require_POST
def user_revoke_tokens(request, pk):
    """An administrator ends every live API token of a user (a lost device, a leaver)."""
    target = _target_user(request, pk, "token.revoke_any")
    n = token_services.revoke_all_tokens(target, by=request.user)
    messages.success(
        request, _("%(n)d API tokens of %(u)s revoked.") % {"n": n, "u": target.username}
    )
    return redirect("user_edit", pk=pk)


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_name", label=gettext_lazy("Actor"))
    action = django_filters.ChoiceFilter(
        choices=AuditLog.Action.choices, label=gettext_lazy("Action")
    )
    object_type = django_filters.CharFilter(label=gettext_lazy("Object type"))
    object_id = django_filters.CharFilter(label=gettext_lazy("Object id"))
    since = django_filters.DateTimeFilter(
        field_name="at", lookup_expr="gte", label=gettext_lazy("From")
    )
    until = django_filters.DateTimeFilter(
        field_name="at", lookup_expr="lte", label=gettext_lazy("Until")
    )

    class Meta:
        model = AuditLog
        fields = ["actor", "action", "object_type", "object_id", "since", "until"]


class AuditListView(ObjectListView):
    permission = "audit.view"
    area_free = True  # the county's auditors read every area's log
    title = gettext_lazy("Audit log")
    empty_text = gettext_lazy("Nothing has been recorded yet.")
    filterset_class = AuditFilter
    default_order = "-at"
    export_permission = "audit.view"
    export_name = "audit"
    columns = [
        Column("at", gettext_lazy("Time"), order_by="at"),
        Column("actor_name", gettext_lazy("Actor"), order_by="actor_name"),
        Column("action", gettext_lazy("Action"), accessor="get_action_display"),
        Column("object_type", gettext_lazy("Object type")),
        Column("object_id", gettext_lazy("Object id")),
        Column("object_repr", gettext_lazy("Object")),
        Column(
            "changes",
            gettext_lazy("Before → after"),
            accessor=lambda e: (
                f"{audit.shown(e.before) or ''} → {audit.shown(e.after) or ''}"
                if e.before or e.after
                else ""
            ),
        ),
        Column("detail", gettext_lazy("Detail")),
        Column("request_id", gettext_lazy("Request id")),
    ]

    def get_queryset(self):
        return AuditLog.objects.all()


class FailedTaskListView(ObjectListView):
    permission = "task.view"
    area_free = True
    title = gettext_lazy("Failed background tasks")
    empty_text = gettext_lazy("No background task has failed.")
    default_order = "-finished_at"
    template_name = "core/failed_tasks.html"
    columns = [
        Column("task_path", gettext_lazy("Task"), accessor="task_path"),
        Column("enqueued_at", gettext_lazy("Queued at"), order_by="enqueued_at"),
        Column("finished_at", gettext_lazy("Failed at"), order_by="finished_at"),
        Column("exception_class_path", gettext_lazy("Error")),
        Column(
            "traceback",
            gettext_lazy("Traceback"),
            accessor=lambda t: (
                (t.traceback or "").strip().splitlines()[-1:]
                and (t.traceback or "").strip().splitlines()[-1]
            ),
        ),
    ]

    def get_queryset(self):
        return task_services.final_failures()


@login_required
@require_POST
def task_retry(request, pk):
    try:
        task_services.retry_failed(pk, by=request.user)
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        raise Http404 from exc
    messages.success(request, _("The task was queued again."))
    return redirect("failed_tasks")


@login_required
def tokens(request):
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = token_services.create_token(
                by=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            form = TokenForm()
    return render(
        request,
        "core/tokens.html",
        {"form": form, "new_key": new_key, "tokens": token_services.tokens_of(request.user)},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def token_revoke(request, pk):
    try:
        token_services.revoke_token(pk, by=request.user)
    except DomainError as exc:
        raise Http404 from exc
    messages.success(request, _("Token revoked."))
    return redirect("tokens")
