from django.urls import include, path

from fangkong.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("areas/", include("fangkong.areas.urls")),
    path("people/", include("fangkong.people.urls")),
    path("policy/", include("fangkong.policy.urls")),
    path("control/", include("fangkong.control.urls")),
    path("sites/", include("fangkong.sites.urls")),
    path("testing/", include("fangkong.testing.urls")),
    path("home-isolation/", include("fangkong.home_isolation.urls")),
    # the resident portal: personal links, no account (home_isolation/portal_views.py)
    path("r/", include("fangkong.home_isolation.portal_urls")),
    path("cases/", include("fangkong.cases.urls")),
    path("command/", include("fangkong.command.urls")),
    path("transfers/", include("fangkong.transfers.urls")),
    path("arrivals/", include("fangkong.arrivals.urls")),
    path("baobei/", include("fangkong.arrivals.public_urls")),  # public pre-registration
    path("checkpoints/", include("fangkong.checkpoints.urls")),
    path("workforce/", include("fangkong.workforce.urls")),
    path("logistics/", include("fangkong.logistics.urls")),
    path("", include("fangkong.core.urls")),
]

handler403 = "fangkong.core.views.errors.permission_denied"
handler404 = "fangkong.core.views.errors.page_not_found"
handler500 = "fangkong.core.views.errors.server_error"
