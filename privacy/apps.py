from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy (Law 25)")

    def ready(self) -> None:
        from microcredit.core.personal_data import register
        from privacy import panels, policies  # noqa: F401  (registers the access policies, the home panel)
        from privacy.models import PrivacyRequest

        # Her own requests are part of her file.
        register(PrivacyRequest, "privacy", paths=("profile",))
