from django.contrib.auth.decorators import login_required
from django.urls import path

from fangkong.arrivals.views import arrivals as views
from fangkong.arrivals.views import ledgers as views_ledgers

app_name = "arrivals"
urlpatterns = [
    path("", views.ArrivalListView.as_view(), name="arrival_list"),
    path("new/", views.ArrivalCreateView.as_view(), name="arrival_create"),
    path("qr/", login_required(views.qr_poster), name="qr_poster"),
    path("<int:pk>/", views.ArrivalDetailView.as_view(), name="arrival_detail"),
    path("<int:pk>/acknowledge/", login_required(views.acknowledge), name="arrival_acknowledge"),
    path("<int:pk>/cancel/", login_required(views.cancel), name="arrival_cancel"),
    path("origins/", views_ledgers.OriginListView.as_view(), name="origin_list"),
    path("origins/new/", views_ledgers.OriginCreateView.as_view(), name="origin_create"),
    path("origins/import/", login_required(views_ledgers.origin_import), name="origin_import"),
    path("away/", views_ledgers.AwayListView.as_view(), name="away_list"),
    path("away/new/", views_ledgers.AwayCreateView.as_view(), name="away_create"),
    path("away/import/", login_required(views_ledgers.away_import), name="away_import"),
    path("imports/<int:pk>/", views_ledgers.LedgerImportDetailView.as_view(), name="import_detail"),
    path(
        "imports/<int:pk>/errors.xlsx",
        views_ledgers.LedgerImportErrorReportView.as_view(),
        name="import_errors",
    ),
    path("risk-areas/", views_ledgers.DesignationListView.as_view(), name="designation_list"),
    path(
        "risk-areas/new/", views_ledgers.DesignationCreateView.as_view(), name="designation_create"
    ),
    path(
        "risk-areas/<int:pk>/",
        views_ledgers.DesignationDetailView.as_view(),
        name="designation_detail",
    ),
    path(
        "risk-areas/<int:pk>/lift/",
        login_required(views_ledgers.designation_lift),
        name="designation_lift",
    ),
]
