from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    label = "reports"
    verbose_name = _("Board reports")

    def ready(self) -> None:
        from reports import documents, panels, selectors, statements  # noqa: F401  (panels: the board home figures; selectors: the kept figures' computations)

        documents.register_kinds()
        statements.register_kinds()
