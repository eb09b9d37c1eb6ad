from django.urls import path

from microcredit.accounts import views

app_name = "accounts"

urlpatterns = [
    path("entrepreneurs/", views.EntrepreneurListView.as_view(), name="entrepreneur_list"),
    path("entrepreneurs/new/", views.EntrepreneurCreateView.as_view(), name="entrepreneur_create"),
    path("entrepreneurs/<int:pk>/", views.EntrepreneurDetailView.as_view(), name="entrepreneur_detail"),
    path("entrepreneurs/<int:pk>/edit/", views.EntrepreneurUpdateView.as_view(), name="entrepreneur_update"),
    path("entrepreneurs/<int:pk>/demographics/", views.DemographicsView.as_view(), name="demographics"),
    path(
        "entrepreneurs/<int:pk>/demographics/withdraw/",
        views.DemographicsWithdrawView.as_view(),
        name="demographics_withdraw",
    ),
    path("entrepreneurs/<int:pk>/consents/", views.ConsentsView.as_view(), name="consents"),
    path("entrepreneurs/<int:pk>/consents/give/", views.ConsentGiveView.as_view(), name="consent_give"),
    path(
        "entrepreneurs/<int:pk>/consents/withdraw/",
        views.ConsentWithdrawView.as_view(),
        name="consent_withdraw",
    ),
    path(
        "entrepreneurs/<int:pk>/export/", views.EntrepreneurExportView.as_view(), name="entrepreneur_export"
    ),
    path(
        "entrepreneurs/<int:pk>/password/",
        views.EntrepreneurSetPasswordView.as_view(),
        name="entrepreneur_set_password",
    ),
    path("me/", views.MyProfileView.as_view(), name="my_profile"),
    path("me/edit/", views.MyContactUpdateView.as_view(), name="my_contact"),
]
