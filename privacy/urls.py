from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.privacy_page, name="page"),
    path("settings/", views.PrivacySettingsView.as_view(), name="settings"),
    path("policy/new/", views.PolicyVersionCreateView.as_view(), name="policy_create"),
    path("requests/", views.RequestListView.as_view(), name="request_list"),
    path("requests/new/", views.RequestFormView.as_view(), name="request_create"),
    path("requests/<int:pk>/", views.RequestFormView.as_view(), name="request_update"),
    path("requests/<int:pk>/file.<str:fmt>", views.RequestFileView.as_view(), name="request_file"),
    path("incidents/", views.IncidentListView.as_view(), name="incident_list"),
    path("incidents/new/", views.IncidentFormView.as_view(), name="incident_create"),
    path("incidents/<int:pk>/", views.IncidentFormView.as_view(), name="incident_update"),
    path("incidents.csv", views.IncidentCsvView.as_view(), name="incident_csv"),
    path("retention/", views.RetentionView.as_view(), name="retention"),
    path("access-log/", views.FileAccessListView.as_view(), name="access_log"),
]
