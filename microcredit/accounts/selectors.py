"""Reads about people."""

from collections.abc import Callable

from django.db.models import QuerySet

from microcredit.accounts.models import Demographics, EntrepreneurProfile, User
from microcredit.core.permissions import scope


def entrepreneurs_for(user: User) -> QuerySet[EntrepreneurProfile]:
    return scope(user, EntrepreneurProfile.objects.select_related("user", "advisor", "demographics"))


ExportSection = Callable[[EntrepreneurProfile], object]
_export_sections: dict[str, ExportSection] = {}


def export_section(name: str) -> Callable[[ExportSection], ExportSection]:
    """Register a section of the personal data export (each app adds its own: circles, loans, coaching).
    A section returns JSON-serializable data about the person, never staff-only notes."""

    def register(func: ExportSection) -> ExportSection:
        _export_sections[name] = func
        return func

    return register


def person_data_export(profile: EntrepreneurProfile) -> dict:
    """Everything the organization keeps about a person, for a request under Quebec's Law 25."""
    user = profile.user
    data = {
        "person": {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "phone": user.phone,
            "language": user.language,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "profile": {
            "address": profile.address,
            "city": profile.city,
            "postal_code": profile.postal_code,
            "business_name": profile.business_name,
            "business_sector": profile.business_sector,
            "business_stage": profile.business_stage,
            "business_description": profile.business_description,
            "intake_date": profile.intake_date.isoformat(),
            "advisor": str(profile.advisor) if profile.advisor else None,
        },
        "demographics": None,
    }
    for name, section in _export_sections.items():
        data[name] = section(profile)
    try:
        demographics = profile.demographics
    except Demographics.DoesNotExist:
        return data
    data["demographics"] = {
        "consent_given_at": demographics.consent_given_at.isoformat()
        if demographics.consent_given_at
        else None,
        "consent_withdrawn_at": (
            demographics.consent_withdrawn_at.isoformat() if demographics.consent_withdrawn_at else None
        ),
        **{name: getattr(demographics, name) for name in Demographics.ANSWER_FIELDS},
    }
    return data


def own_profile_or_404(user: User) -> EntrepreneurProfile:
    """The signed-in entrepreneur's own profile (an account made without one gets "not found")."""
    from microcredit.core.permissions import get_object_or_404_for

    return get_object_or_404_for(user, EntrepreneurProfile, user=user)
