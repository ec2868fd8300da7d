from django.urls import path

from fangkong.testing import views

app_name = "testing"
urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("points/<int:pk>/", views.PointDetailView.as_view(), name="point_detail"),
    path("rounds/<int:pk>/", views.RoundDetailView.as_view(), name="round_detail"),
    path("rounds/<int:pk>/door-to-door/", views.DoorToDoorView.as_view(), name="door_to_door"),
    path("sample/", views.SamplePickView.as_view(), name="sample_pick"),
    path("sample/<int:point_id>/<int:round_id>/", views.SampleView.as_view(), name="sample"),
    path("boxes/new/", views.BoxCreateView.as_view(), name="box_create"),
    path("boxes/<int:pk>/", views.BoxDetailView.as_view(), name="box_detail"),
    path("tubes/<int:pk>/", views.TubeDetailView.as_view(), name="tube_detail"),
    path("lab/", views.LabView.as_view(), name="lab"),
    path("turnaround/", views.TurnaroundView.as_view(), name="turnaround"),
]
