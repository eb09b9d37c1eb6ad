"""Reads about people."""

from django.db.models import QuerySet

from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.permissions import scope
from microcredit.core.personal_data import personal_file


def entrepreneurs_for(user: User) -> QuerySet[EntrepreneurProfile]:
    return scope(user, EntrepreneurProfile.objects.select_related("user", "advisor", "demographics"))


def person_data_export(profile: EntrepreneurProfile) -> dict:
    """Everything the organization keeps about a person (Law 25), from every app's registration: the
    everyday download, without advisors' internal notes (a privacy request's file may add them)."""
    return personal_file(profile, include_staff_only=False)


def own_profile_or_404(user: User) -> EntrepreneurProfile:
    """The signed-in entrepreneur's own profile (an account made without one gets "not found")."""
    from microcredit.core.permissions import get_object_or_404_for

    return get_object_or_404_for(user, EntrepreneurProfile, user=user)
