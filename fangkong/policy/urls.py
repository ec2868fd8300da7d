from django.urls import path

from fangkong.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.RuleSetListView.as_view(), name="ruleset_list"),
    path("new/", views.RuleSetCreateView.as_view(), name="ruleset_create"),
    path("compare/", views.RuleSetCompareView.as_view(), name="ruleset_compare"),
    path("<int:pk>/", views.RuleSetDetailView.as_view(), name="ruleset_detail"),
    path("<int:pk>/end/", views.RuleSetEndView.as_view(), name="ruleset_end"),
]
