from django.urls import path

from fangkong.cases.views import candidates, cases

app_name = "cases"
urlpatterns = [
    path("", cases.CaseListView.as_view(), name="case_list"),
    path("new/", cases.CaseCreateView.as_view(), name="case_create"),
    path("import/", cases.CaseImportView.as_view(), name="case_import"),
    path("<int:pk>/", cases.CaseDetailView.as_view(), name="case_detail"),
    path("<int:pk>/contacts/", cases.ContactsAddView.as_view(), name="contacts_add"),
    path("<int:pk>/transfer/", cases.TransferView.as_view(), name="case_transfer"),
    path(
        "<int:pk>/transfer-request/",
        cases.RequestTransferView.as_view(),
        name="case_transfer_request",
    ),
    path(
        "<int:pk>/contacts/<int:contact>/transfer-request/",
        cases.RequestTransferView.as_view(),
        name="contact_transfer_request",
    ),
    path("contacts/uncontrolled/", cases.UncontrolledView.as_view(), name="uncontrolled"),
    path(
        "contacts/<int:pk>/control/",
        cases.ControlContactView.as_view(),
        name="contact_control",
    ),
    path("streak/", cases.StreakView.as_view(), name="streak"),
    path("chains/", cases.ChainListView.as_view(), name="chains"),
    path("chains/<int:cluster>/", cases.ChainView.as_view(), name="chain"),
    path("candidates/", candidates.CandidateListView.as_view(), name="candidates"),
    path(
        "candidates/<int:pk>/decide/",
        candidates.CandidateDecideView.as_view(),
        name="candidate_decide",
    ),
]
