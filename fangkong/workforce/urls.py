from django.contrib.auth.decorators import login_required
from django.urls import path

from fangkong.workforce import views

app_name = "workforce"
urlpatterns = [
    path("", views.ComplianceView.as_view(), name="compliance"),
    path("summary/", login_required(views.compliance_summary), name="summary"),
    path("employers/", views.EmployerListView.as_view(), name="employer_list"),
    path("employers/new/", views.EmployerCreateView.as_view(), name="employer_create"),
    path("employers/<int:pk>/", views.EmployerDetailView.as_view(), name="employer_detail"),
    path("employers/<int:pk>/add/", views.AddWorkerView.as_view(), name="worker_add"),
    path("employers/<int:pk>/upload/", views.UploadWhitelistView.as_view(), name="upload"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
    path("workers/<int:pk>/", views.WorkerDetailView.as_view(), name="worker_detail"),
    path("workers/<int:pk>/pass/", login_required(views.work_pass), name="work_pass"),
    path("workers/<int:pk>/action/", login_required(views.worker_action), name="worker_action"),
    path("pools/", views.PoolListView.as_view(), name="pool_list"),
    path("pools/new/", views.PoolCreateView.as_view(), name="pool_create"),
    path("pools/<int:pk>/", views.PoolDetailView.as_view(), name="pool_detail"),
    path("pools/<int:pk>/solve/", views.SolveView.as_view(), name="pool_solve"),
    path("rosters/<int:pk>/", views.RosterDetailView.as_view(), name="roster_detail"),
    path("rosters/<int:pk>/action/", login_required(views.roster_action), name="roster_action"),
    path("my-shifts/", login_required(views.my_shifts), name="my_shifts"),
]
