from django.urls import path

from fangkong.people.views import categories, duplicates, households, imports, persons

app_name = "people"
urlpatterns = [
    path("persons/", persons.PersonListView.as_view(), name="person_list"),
    path("persons/new/", persons.PersonCreateView.as_view(), name="person_create"),
    path("persons/<int:pk>/", persons.PersonDetailView.as_view(), name="person_detail"),
    path("persons/<int:pk>/edit/", persons.PersonEditView.as_view(), name="person_edit"),
    path(
        "persons/<int:pk>/chain/",
        persons.PersonChainRevealView.as_view(),
        name="person_chain_reveal",
    ),
    path("households/", households.HouseholdListView.as_view(), name="household_list"),
    path("households/new/", households.HouseholdCreateView.as_view(), name="household_create"),
    path("households/<int:pk>/", households.HouseholdDetailView.as_view(), name="household_detail"),
    path(
        "households/<int:pk>/edit/", households.HouseholdEditView.as_view(), name="household_edit"
    ),
    path("categories/", categories.CategoryListView.as_view(), name="category_list"),
    path("categories/new/", categories.CategoryCreateView.as_view(), name="category_create"),
    path("categories/<int:pk>/", categories.CategoryDetailView.as_view(), name="category_detail"),
    path("categories/<int:pk>/edit/", categories.CategoryEditView.as_view(), name="category_edit"),
    path("duplicates/", duplicates.DuplicateListView.as_view(), name="duplicates"),
    path("duplicates/merge/", duplicates.MergeView.as_view(), name="merge"),
    path("duplicates/rescan/", duplicates.RescanView.as_view(), name="duplicates_rescan"),
    path("imports/new/", imports.ImportCreateView.as_view(), name="import_create"),
    path("imports/template.xlsx", imports.ImportTemplateView.as_view(), name="import_template"),
    path("imports/<int:pk>/", imports.ImportDetailView.as_view(), name="import_detail"),
    path(
        "imports/<int:pk>/errors.xlsx",
        imports.ImportErrorReportView.as_view(),
        name="import_errors",
    ),
]
