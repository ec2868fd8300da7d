from django.urls import path

from fangkong.areas import views

app_name = "areas"
urlpatterns = [
    path("", views.area_tree, name="area_tree"),
    path("import/", views.AreaImportView.as_view(), name="area_import"),
    path("unassigned/", views.unassigned, name="unassigned"),
    path("<int:pk>/", views.area_detail, name="area_detail"),
    path("<int:pk>/children/", views.area_children, name="area_children"),
    path("<int:pk>/new/", views.AreaCreateView.as_view(), name="area_create"),
    path("<int:pk>/edit/", views.AreaEditView.as_view(), name="area_edit"),
    path("<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
    path("responsibilities/<int:pk>/end/", views.responsibility_end, name="responsibility_end"),
]
