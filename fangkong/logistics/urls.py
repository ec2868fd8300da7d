from django.contrib.auth.decorators import login_required
from django.urls import path

from fangkong.logistics import views

app_name = "logistics"
urlpatterns = [
    path("", views.PointListView.as_view(), name="point_list"),
    path("points/new/", views.PointCreateView.as_view(), name="point_create"),
    path("points/<int:pk>/", views.PointDetailView.as_view(), name="point_detail"),
    path("points/<int:pk>/move/", views.MoveView.as_view(), name="point_move"),
    path("passes/", views.PassListView.as_view(), name="pass_list"),
    path("passes/apply/", views.PassApplyView.as_view(), name="pass_apply"),
    path("passes/<int:pk>/", views.PassDetailView.as_view(), name="pass_detail"),
    path("passes/<int:pk>/print/", login_required(views.pass_print), name="pass_print"),
    path("passes/<int:pk>/decide/", login_required(views.pass_decide), name="pass_decide"),
    path("scan/", login_required(views.scan), name="scan"),
    path(
        "checkpoints/<int:pk>/pass/", login_required(views.checkpoint_pass), name="checkpoint_pass"
    ),  # fmt: skip
]
