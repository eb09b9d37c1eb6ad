from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("loans/", views.DrillDownView.as_view(), name="loans"),
]
