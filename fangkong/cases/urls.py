from django.urls import path

from fangkong.cases import views

app_name = "cases"
urlpatterns = [
    path("candidates/", views.CandidateListView.as_view(), name="candidates"),
    path(
        "candidates/<int:pk>/decide/",
        views.CandidateDecideView.as_view(),
        name="candidate_decide",
    ),
]
