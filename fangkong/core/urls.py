from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from fangkong.core.views import admin, auth, exports, health, home, notices, pii

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", auth.password_change, name="password_change"),
    path("account/2fa/setup/", auth.two_factor_setup, name="two_factor_setup"),
    path("account/2fa/verify/", auth.two_factor_verify, name="two_factor_verify"),
    path("account/2fa/recovery/", auth.two_factor_recovery, name="two_factor_recovery"),
    path("account/tokens/", admin.tokens, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", admin.token_revoke, name="token_revoke"),
    path("admin/users/", admin.UserListView.as_view(), name="user_list"),
    path("admin/users/new/", admin.UserCreateView.as_view(), name="user_create"),
    path("admin/users/<int:pk>/", admin.UserEditView.as_view(), name="user_edit"),
    path("admin/users/<int:pk>/password/", admin.user_reset_password, name="user_reset_password"),
    path("admin/users/<int:pk>/2fa/reset/", admin.user_reset_2fa, name="user_reset_2fa"),
    path(
        "admin/users/<int:pk>/tokens/revoke/", admin.user_revoke_tokens, name="user_revoke_tokens"
    ),
    path("admin/audit/", admin.AuditListView.as_view(), name="audit_list"),
    path("admin/tasks/failed/", admin.FailedTaskListView.as_view(), name="failed_tasks"),
    path("admin/tasks/<uuid:pk>/retry/", admin.task_retry, name="task_retry"),
    path("reveal/<str:model>/<int:pk>/<str:field>/", pii.reveal_field, name="reveal"),
    path("favicon.ico", RedirectView.as_view(url=static("core/favicon.svg"), permanent=True)),
    path("healthz", health.healthz, name="healthz"),
    path("notices/", notices.notice_list, name="notices"),
    path("notices/<int:pk>/", notices.notice_open, name="notice_open"),
    path("notices/read-all/", notices.notice_read_all, name="notice_read_all"),
    path("readyz", health.readyz, name="readyz"),
    path("exports/<int:pk>/", exports.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", exports.export_download, name="export_download"),
]
