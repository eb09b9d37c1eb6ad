from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = _("Coaching")

    def ready(self) -> None:
        # Registers the access policies, timeline events, caseload flags, personal file and panels.
        from coaching import panels, personal_data, policies, retention, timeline  # noqa: F401

        personal_data.register_sources()
        retention.register()
        from coaching.selectors import flags, loan_flags  # noqa: F401
