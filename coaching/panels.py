"""The sections coaching adds to shared pages (``microcredit/core/panels.py``), imported by
``CoachingConfig.ready()``. Each reads through ``coaching.selectors``, in a bounded number of queries,
within the viewer's scope; ``templates/coaching/_home_*.html`` and ``_entrepreneur_detail.html`` show them."""

from django.utils import timezone

from coaching import selectors
from coaching.models import Referral
from coaching.models.choices import REFERRAL_CLOSED
from microcredit.accounts.models import EntrepreneurProfile, Role, User
from microcredit.core.panels import panel
from microcredit.core.permissions import scope


@panel("entrepreneur_file", "coaching")
def coaching_file(user: User, profile: EntrepreneurProfile) -> dict:
    """The coaching section of an entrepreneur's file: everything for the staff; for the entrepreneur
    themself, the shared content only; nothing for anyone else."""
    if user.is_staff_member:
        return {"staff": True, **selectors.staff_file(profile, user)}
    if user.is_entrepreneur and profile.user_id == user.pk:
        return {"own": True, "sessions": selectors.shared_sessions(profile, limit=3)}
    return {}


@panel("home", "coaching_agenda")
def advisor_agenda(user: User) -> dict:
    if not (user.is_active and user.role == Role.ADVISOR):
        return {}
    return selectors.advisor_agenda(user)


@panel("home", "coaching_caseloads")
def caseload_overview(user: User) -> list:
    if not user.is_coordinator:
        return []
    return selectors.caseload_overview(user)


@panel("home", "coaching_mine")
def my_coaching_summary(user: User) -> dict:
    """For the entrepreneur's home page: the next follow-up, the latest next steps, open referrals."""
    if not user.is_entrepreneur:
        return {}
    profile = scope(user, EntrepreneurProfile.objects.filter(user=user)).first()
    if profile is None:
        return {}
    sessions = selectors.shared_sessions(profile, limit=1)
    latest = sessions[0] if sessions else None
    follow_up = latest.next_follow_up_on if latest else None
    return {
        "latest": latest,
        # Past: overdue, as the advisor's caseload says (coaching.selectors.flags.follow_up_overdue).
        "follow_up_overdue": follow_up is not None and follow_up < timezone.localdate(),
        "open_referrals": Referral.objects.filter(profile=profile)
        .exclude(status__in=REFERRAL_CLOSED)
        .count(),
    }
