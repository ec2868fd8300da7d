"""The resident portal's public addresses, under /r/ (fangkong/urls.py)."""

from django.urls import path

from fangkong.home_isolation.views import portal as portal_views

app_name = "portal"
urlpatterns = [
    path("<str:token>/", portal_views.home, name="home"),
    path("<str:token>/report/", portal_views.report, name="report"),
    path("<str:token>/request/", portal_views.service_request, name="request"),
    path("<str:token>/qr/", portal_views.qr, name="qr"),
]
