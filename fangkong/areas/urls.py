from django.urls import path

from fangkong.areas import views

app_name = "areas"
urlpatterns = [
    path("", views.area_tree, name="area_tree"),
]
