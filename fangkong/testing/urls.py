from django.urls import path
from django.views.generic import RedirectView

from fangkong.testing import views, views_followup, views_imports, views_setup

app_name = "testing"
urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("points/new/", views_setup.PointCreateView.as_view(), name="point_create"),
    path("points/<int:pk>/", views.PointDetailView.as_view(), name="point_detail"),
    path("points/<int:pk>/edit/", views_setup.PointEditView.as_view(), name="point_edit"),
    path("rounds/new/", views_setup.RoundCreateView.as_view(), name="round_create"),
    path("rounds/<int:pk>/", views.RoundDetailView.as_view(), name="round_detail"),
    path("rounds/<int:pk>/edit/", views_setup.RoundEditView.as_view(), name="round_edit"),
    path("labs/", views_setup.LabListView.as_view(), name="labs"),
    path("labs/new/", views_setup.LabCreateView.as_view(), name="lab_create"),
    path("labs/<int:pk>/edit/", views_setup.LabEditView.as_view(), name="lab_edit"),
    path("rounds/<int:pk>/door-to-door/", views.DoorToDoorView.as_view(), name="door_to_door"),
    path("sample/", views.SamplePickView.as_view(), name="sample_pick"),
    path("sample/<int:point_id>/<int:round_id>/", views.SampleView.as_view(), name="sample"),
    path("boxes/new/", views.BoxCreateView.as_view(), name="box_create"),
    path("boxes/<int:pk>/", views.BoxDetailView.as_view(), name="box_detail"),
    path("tubes/<int:pk>/", views.TubeDetailView.as_view(), name="tube_detail"),
    path("lab/", views.LabView.as_view(), name="lab"),
    path(
        "lab/imports/<int:pk>/",
        views_imports.ResultImportDetailView.as_view(),
        name="result_import_detail",
    ),
    path(
        "lab/imports/<int:pk>/errors.xlsx",
        views_imports.ResultImportErrorReportView.as_view(),
        name="result_import_errors",
    ),
    path("turnaround/", views.TurnaroundView.as_view(), name="turnaround"),
    path("retests/", views_followup.RetestListView.as_view(), name="retests"),
    path(
        "retests/<int:pk>/sample/",
        views_followup.RetestSampleView.as_view(),
        name="retest_sample",
    ),
    path(
        "retests/<int:pk>/cancel/",
        views_followup.RetestCancelView.as_view(),
        name="retest_cancel",
    ),
    # the case candidates moved to the cases app; old bookmarks still land there
    path("candidates/", RedirectView.as_view(pattern_name="cases:candidates", permanent=True)),
]
