from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    label = "reports"
    verbose_name = _("Board reports")

    def ready(self) -> None:
        from reports import documents, panels, statements  # noqa: F401  (panels: the board home figures)

        documents.register_kinds()
        statements.register_kinds()
