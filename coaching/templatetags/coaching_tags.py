"""Template tags of the coaching sections that the shared pages include (home pages, the entrepreneur's
file). Each reads through the selectors, in a bounded number of queries, within the viewer's scope."""

from django import template
from django.utils import timezone

from coaching import selectors
from coaching.models import Referral
from coaching.models.choices import REFERRAL_CLOSED
from microcredit.accounts.models import EntrepreneurProfile, Role
from microcredit.core.formatting import format_money
from microcredit.core.permissions import scope

register = template.Library()


@register.simple_tag
def coaching_file(profile, user) -> dict:
    """The coaching section of an entrepreneur's file: everything for the staff; for the entrepreneur
    themself, the shared content only; nothing for anyone else."""
    if not getattr(user, "is_authenticated", False) or profile is None:
        return {}
    if user.is_staff_member:
        return {"staff": True, **selectors.staff_file(profile, user)}
    if user.is_entrepreneur and profile.user_id == user.pk:
        return {"own": True, "sessions": selectors.shared_sessions(profile, limit=3)}
    return {}


@register.simple_tag
def advisor_agenda(user) -> dict:
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.role == Role.ADVISOR):
        return {}
    return selectors.advisor_agenda(user)


@register.simple_tag
def caseload_overview(user) -> list:
    if not (getattr(user, "is_authenticated", False) and user.is_coordinator):
        return []
    return selectors.caseload_overview(user)


@register.simple_tag
def my_coaching_summary(user) -> dict:
    """For the entrepreneur's home page: the next follow-up, the latest next steps, open referrals."""
    if not (getattr(user, "is_authenticated", False) and user.is_entrepreneur):
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


@register.filter
def flag_badge(level: str) -> str:
    """The Bootstrap badge class of a flag level."""
    return {"danger": "text-bg-danger", "warning": "text-bg-warning", "info": "text-bg-info"}.get(
        level, "text-bg-secondary"
    )


_STATUS_BADGES = {
    "proposed": "text-bg-secondary",
    "sent": "text-bg-info",
    "in_progress": "text-bg-primary",
    "completed": "text-bg-success",
    "declined": "text-bg-dark",
    "preparing": "text-bg-secondary",
    "submitted": "text-bg-info",
    "approved": "text-bg-success",
    "refused": "text-bg-danger",
    "withdrawn": "text-bg-dark",
}


@register.filter
def status_badge(status: str) -> str:
    return _STATUS_BADGES.get(status, "text-bg-secondary")


@register.filter
def cad(amount) -> str:
    """An amount in Canadian dollars (``formatting.format_money``), "—" when there is none."""
    if amount is None or amount == "":
        return "—"
    return format_money(amount)
