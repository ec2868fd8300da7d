from django.contrib.auth.decorators import login_required
from django.urls import path

from fangkong.transfers import views

app_name = "transfers"
urlpatterns = [
    path("", views.RequestListView.as_view(), name="request_list"),
    path("requests/<int:pk>/", views.RequestDetailView.as_view(), name="request_detail"),
    path("plans/", views.PlanListView.as_view(), name="plan_list"),
    path("plans/new/", login_required(views.plan_new), name="plan_new"),
    path("plans/<int:pk>/", login_required(views.board), name="board"),
    path("plans/<int:pk>/<str:action>/", login_required(views.plan_action), name="plan_action"),
    path("trips/", login_required(views.my_trips), name="my_trips"),
    path("trips/<int:pk>/", login_required(views.trip), name="trip"),
    path("trips/<int:pk>/lock/", login_required(views.trip_lock), name="trip_lock"),
    path("trips/lock/", login_required(views.trip_lock_form), name="trip_lock_form"),
    path("trips/<int:pk>/do/<str:action>/", login_required(views.trip_action), name="trip_action"),
    path("vehicles/", views.VehicleListView.as_view(), name="vehicle_list"),
    path(
        "vehicles/<int:pk>/disinfected/",
        login_required(views.vehicle_disinfected),
        name="vehicle_disinfected",
    ),
]
