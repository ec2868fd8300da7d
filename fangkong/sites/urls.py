from django.contrib.auth.decorators import login_required
from django.urls import path

from fangkong.sites import views

app_name = "sites"
urlpatterns = [
    path("", views.SiteListView.as_view(), name="site_list"),
    path("new/", views.SiteCreateView.as_view(), name="site_create"),
    path("capacity/", login_required(views.capacity), name="capacity"),
    path("due/", login_required(views.due), name="due"),
    path("overstays/", login_required(views.overstays), name="overstays"),
    path("<int:pk>/", views.SiteDetailView.as_view(), name="site_detail"),
    path("<int:pk>/rooms/new/", views.BulkRoomsView.as_view(), name="bulk_rooms"),
    path("<int:pk>/board/", login_required(views.board), name="board"),
    path("rooms/<int:pk>/", login_required(views.room_detail), name="room_detail"),
    path("rooms/<int:pk>/step/", login_required(views.room_step), name="room_step"),
    path("rooms/<int:pk>/check-in/", login_required(views.room_check_in), name="room_check_in"),
    path("stays/<int:pk>/release/", login_required(views.stay_release), name="stay_release"),
]
