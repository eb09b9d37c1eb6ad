from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from microcredit.accounts import views as account_views
from microcredit.core import views as core_views

admin.site.site_header = _("Microcredit administration")
admin.site.site_title = _("Microcredit")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("language/", core_views.set_language, name="set_language"),
    path(
        "accounts/password_reset/",
        account_views.PasswordResetRequestView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("people/", include("microcredit.accounts.urls")),
    path("organization/", include("microcredit.core.urls")),
    path("circles/", include("circles.urls")),
    path("loans/", include("loans.urls")),
    path("coaching/", include("coaching.urls")),
    path("documents/", include("documents.urls")),
    path("reports/", include("reports.urls")),
    path("imports/", include("imports.urls")),
    path("privacy/", include("privacy.urls")),
    path("admin/", admin.site.urls),
]
