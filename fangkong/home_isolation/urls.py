from django.contrib.auth.decorators import login_required
from django.urls import path

from fangkong.home_isolation.views import households as views
from fangkong.home_isolation.views import work as views_work

app_name = "home_isolation"
L = login_required
urlpatterns = [
    path("", L(views.households), name="households"),
    path("households/<int:pk>/", L(views.household), name="household"),
    path("households/<int:pk>/seal/", L(views.seal_fit), name="seal_fit"),
    path("seals/<int:pk>/remove/", L(views.seal_remove), name="seal_remove"),
    path("persons/<int:pk>/link/", L(views.link_issue), name="link_issue"),
    path("links/<int:pk>/revoke/", L(views.link_revoke), name="link_revoke"),
    path("phases/<int:pk>/adjust/", L(views.phase_adjust), name="phase_adjust"),
    path("persons/<int:pk>/assess/", L(views.assess), name="assess"),
    path("assessments/<int:pk>/", L(views.assessment_detail), name="assessment_detail"),
    path("assessments/<int:pk>/cancel/", L(views.placement_cancel), name="placement_cancel"),
    path("placement/", L(views.placement), name="placement"),
    path("assessments/<int:pk>/transfer/", L(views.placement_transfer), name="placement_transfer"),
    path("checks/", L(views.checks), name="checks"),
    path("requests/", L(views_work.requests), name="requests"),
    path("requests/board/", L(views_work.board), name="board"),
    path("requests/<int:pk>/", L(views_work.request_detail), name="request_detail"),
    path("requests/<int:pk>/move/", L(views_work.request_move), name="request_move"),
    path("persons/<int:pk>/request/", L(views_work.request_new), name="request_new"),
    path("alerts/", L(views_work.alerts), name="alerts"),
    path("alerts/<int:pk>/handle/", L(views_work.alert_handle), name="alert_handle"),
    path("missed/", L(views_work.missed), name="missed"),
    path("remind/", L(views_work.remind), name="remind"),
    path("reviews/", L(views_work.reviews), name="reviews"),
    path("reviews/<int:pk>/resolve/", L(views_work.review_resolve), name="review_resolve"),
]
