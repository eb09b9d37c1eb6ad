"""The coordinator's privacy requests past their 30 days, on the home page (``microcredit/core/panels.py``),
imported by ``PrivacyConfig.ready()``."""

from microcredit.accounts.models import User
from microcredit.core.panels import panel
from privacy.selectors import overdue_requests


@panel("home", "privacy_overdue")
def overdue_privacy_requests(user: User) -> list:
    if not user.is_coordinator:
        return []
    return list(overdue_requests(user).select_related(None)[:20])
