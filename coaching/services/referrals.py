import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coaching.models import REFERRAL_STATES, Partner, Referral, ReferralStatus, ReferralStatusChange
from coaching.models.choices import REFERRAL_CLOSED, REFERRAL_INITIAL
from coaching.services._checks import check_not_in_future
from microcredit.accounts.models import EntrepreneurProfile, User


@transaction.atomic
def referral_create(
    *,
    profile: EntrepreneurProfile,
    partner: Partner,
    reason: str,
    created_by: User | None,
    referred_on: datetime.date | None = None,
    status: str = ReferralStatus.PROPOSED,
    note: str = "",
) -> Referral:
    """Refer an entrepreneur to a partner; the first row of its history is written at once."""
    if not partner.is_active:
        raise ValidationError({"partner": _("This partner is no longer active: choose another one.")})
    if status not in REFERRAL_INITIAL:
        raise ValidationError({"status": _("A new referral is either proposed or already sent.")})
    check_not_in_future(referred_on, "referred_on")
    referral = Referral(
        profile=profile, partner=partner, reason=reason.strip(), status=status, created_by=created_by
    )
    if referred_on is not None:
        referral.referred_on = referred_on
    referral.full_clean()
    referral.save()
    ReferralStatusChange.objects.create(
        referral=referral, from_status="", to_status=status, changed_by=created_by, note=note.strip()
    )
    return referral


@transaction.atomic
def referral_change_status(
    *, referral: Referral, to_status: str, changed_by: User | None, note: str = "", outcome: str = ""
) -> Referral:
    """Move a referral along its allowed transitions, keeping who, when, from, to and a staff note.
    Completing or declining it needs an outcome."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    from_status = referral.status
    REFERRAL_STATES.check(from_status, to_status)
    outcome = outcome.strip()
    if to_status in REFERRAL_CLOSED and not (outcome or referral.outcome):
        raise ValidationError({"outcome": _("Describe the outcome to complete or decline a referral.")})
    if outcome:
        referral.outcome = outcome
    referral.status = to_status
    referral.full_clean()
    referral.save(update_fields=["status", "outcome", "updated_at"])
    ReferralStatusChange.objects.create(
        referral=referral,
        from_status=from_status,
        to_status=to_status,
        changed_by=changed_by,
        note=note.strip(),
    )
    return referral
