from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("", views.ImportIndexView.as_view(), name="index"),
    path("kinds/<slug:kind>/", views.KindDocumentationView.as_view(), name="kind"),
    path(
        "templates/<slug:kind>.<str:extension>",
        views.TemplateDownloadView.as_view(),
        name="template",
    ),
    path("<int:pk>/", views.BatchView.as_view(), name="batch"),
    path("<int:pk>/errors.csv", views.ErrorReportView.as_view(), name="errors"),
]
