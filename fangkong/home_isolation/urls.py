from django.urls import path  # noqa: F401

app_name = "home_isolation"
urlpatterns: list = []
