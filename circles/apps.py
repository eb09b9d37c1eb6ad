from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CirclesConfig(AppConfig):
    name = "circles"
    verbose_name = _("Borrowing circles")

    def ready(self) -> None:
        from circles import panels, permissions, personal_data, retention, timeline  # noqa: F401  (policies, timeline, panels)

        personal_data.register_sources()
        retention.register()
