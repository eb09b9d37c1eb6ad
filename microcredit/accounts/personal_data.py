"""The people part of a person's complete file (Law 25): registered from ``AccountsConfig.ready()``."""

from microcredit.accounts.models import (
    AdvisorAssignment,
    ConsentRecord,
    Demographics,
    EntrepreneurProfile,
    Invitation,
    User,
)
from microcredit.core.personal_data import register


def register_sources() -> None:
    register(User, "accounts", paths=("entrepreneur_profile",), secret=("password",))
    register(Invitation, "accounts", paths=("user__entrepreneur_profile",))
    register(EntrepreneurProfile, "accounts", paths=("pk",))
    register(Demographics, "accounts", paths=("profile",))
    register(AdvisorAssignment, "accounts", paths=("profile",))
    register(ConsentRecord, "accounts", paths=("profile",), secret=("is_current",))
