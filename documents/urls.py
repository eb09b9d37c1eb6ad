from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("", views.DocumentListView.as_view(), name="document_list"),
    path("new/<slug:kind>/", views.DocumentRequestView.as_view(), name="document_request"),
    path("<int:pk>/", views.DocumentDetailView.as_view(), name="document_detail"),
    path("<int:pk>/retry/", views.DocumentRetryView.as_view(), name="document_retry"),
    path("<int:pk>/download/", views.DocumentDownloadView.as_view(), name="document_download"),
]
