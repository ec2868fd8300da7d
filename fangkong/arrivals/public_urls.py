"""The public pre-registration (返乡报备), outside every account: /baobei/."""

from django.urls import path

from fangkong.arrivals.views import public as views_public

urlpatterns = [path("", views_public.preregister, name="preregister")]
