from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoansConfig(AppConfig):
    name = "loans"
    verbose_name = _("Loans")

    def ready(self) -> None:
        from loans import documents, panels, permissions, personal_data, retention, timeline  # noqa: F401  (policies, timeline)

        documents.register_kinds()
        personal_data.register_sources()
        retention.register()
        panels.register_panels()

        from circles.selectors import CIRCLE_LIST_FIGURES
        from loans.selectors import requests_in_review_per_circle

        CIRCLE_LIST_FIGURES["loans_in_review"] = requests_in_review_per_circle

        from circles import meeting_extensions
        from loans.meeting_collection import COLLECTION

        meeting_extensions.register(COLLECTION)

        # The arrears counters follow the circles' and borrowers' advisors (``services.arrears_counts``).
        from loans import receivers

        receivers.connect()
