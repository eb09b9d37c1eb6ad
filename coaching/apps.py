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
        # The caseload counters follow the profiles, accounts and loans (``coaching.services.counts``).
        from coaching import receivers
        from coaching.selectors import flags, loan_flags  # noqa: F401

        receivers.connect()
        from coaching.selectors.counts import caseload_size, people_counts
        from microcredit.core.selectors import CASELOAD_SIZE, PEOPLE_COUNTS

        if people_counts not in PEOPLE_COUNTS:
            PEOPLE_COUNTS.append(people_counts)
            CASELOAD_SIZE.append(caseload_size)
