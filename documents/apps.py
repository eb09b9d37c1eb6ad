from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from documents import personal_data, policies  # noqa: F401  (registers the access policy)

        personal_data.register_sources()
