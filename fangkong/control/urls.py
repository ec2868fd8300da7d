from django.urls import path
from django.views.generic import RedirectView

from fangkong.control import views

app_name = "control"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="control:episode_list"), name="index"),
    path("episodes/", views.EpisodeListView.as_view(), name="episode_list"),
    path("episodes/new/", views.EpisodeStartView.as_view(), name="episode_start"),
    path("episodes/<int:pk>/", views.EpisodeDetailView.as_view(), name="episode_detail"),
    path("episodes/<int:pk>/cancel/", views.EpisodeCancelView.as_view(), name="episode_cancel"),
    path("phases/<int:pk>/adjust/", views.PhaseAdjustView.as_view(), name="phase_adjust"),
    path("phases/<int:pk>/complete/", views.PhaseCompleteView.as_view(), name="phase_complete"),
]
