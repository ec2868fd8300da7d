from django.urls import path

from fangkong.command import views
from fangkong.command.views import directives as views_directives

app_name = "command"
urlpatterns = [
    path("", views.picture, name="picture"),
    path("areas/<int:area_id>/", views.picture, name="picture_area"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/build/", views.report_build, name="report_build"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/pdf/", views.report_file, {"kind": "pdf"}, name="report_pdf"),
    path("reports/<int:pk>/xlsx/", views.report_file, {"kind": "xlsx"}, name="report_xlsx"),
    path("directives/", views_directives.directive_list, name="directive_list"),
    path("directives/new/", views_directives.directive_create, name="directive_create"),
    path("directives/<int:pk>/", views_directives.directive_detail, name="directive_detail"),
    path(
        "directives/recipients/<int:pk>/<str:action>/",
        views_directives.recipient_action,
        name="recipient_action",
    ),
]
