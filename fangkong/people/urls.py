from django.urls import path

from fangkong.people import views

app_name = "people"
urlpatterns = [
    path("persons/", views.PersonListView.as_view(), name="person_list"),
    path("persons/new/", views.PersonCreateView.as_view(), name="person_create"),
    path("persons/<int:pk>/", views.PersonDetailView.as_view(), name="person_detail"),
]
