from django.contrib.auth.decorators import login_required
from django.urls import path

from fangkong.checkpoints import views

app_name = "checkpoints"
urlpatterns = [
    path("", views.CheckpointListView.as_view(), name="checkpoint_list"),
    path("new/", views.CheckpointCreateView.as_view(), name="checkpoint_create"),
    path("counts/", login_required(views.counts), name="counts"),
    path("shift/end/", login_required(views.shift_end), name="shift_end"),
    path("<int:pk>/", views.CheckpointDetailView.as_view(), name="checkpoint_detail"),
    path("<int:pk>/check/", login_required(views.check_page), name="check"),
    path("<int:pk>/shift/", login_required(views.shift_start), name="shift_start"),
]
