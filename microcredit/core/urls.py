from django.urls import path

from microcredit.core import views

app_name = "core"

urlpatterns = [
    path("settings/", views.OrganizationSettingsView.as_view(), name="organization_settings"),
]
