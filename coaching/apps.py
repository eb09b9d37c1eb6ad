from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = _("Coaching")

    def ready(self) -> None:
        # Registers the access policies, the timeline events, the caseload flags and the export section.
        from coaching import exports, policies, timeline  # noqa: F401
        from coaching.selectors import flags, loan_flags  # noqa: F401
