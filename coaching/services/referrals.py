import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coaching.models import REFERRAL_STATES, Partner, Referral, ReferralStatus, ReferralStatusChange
from coaching.models.choices import REFERRAL_CLOSED, REFERRAL_INITIAL
from coaching.services._checks import check_not_before_intake, check_not_in_future
from coaching.services.positions import caseload_position_refresh
from microcredit.accounts import consents
from microcredit.accounts.models import ConsentPurpose, EntrepreneurProfile, User
from microcredit.core.models import OrganizationSettings


def referral_consent_text(partner: Partner, items: str, *, language: str) -> str:
    """The words the entrepreneur agrees to, in her language, naming the partner and each item shared."""
    with translation.override(language):
        return _(
            "I agree that %(organization)s shares with %(partner)s, for this referral only: %(items)s. I "
            "can withdraw this consent at any time; the sharing then stops."
        ) % {
            "organization": OrganizationSettings.load().name,
            "partner": partner.name,
            "items": items.strip(),
        }


def referral_may_share(referral: Referral) -> bool:
    return referral.sharing_stopped_at is None and consents.has_consent(
        referral.profile_id, ConsentPurpose.REFERRAL, referral.consent_subject
    )


def _check_sharing(referral: Referral) -> None:
    if not referral_may_share(referral):
        raise ValidationError(
            {
                "consent": _(
                    "A referral is sent only with the entrepreneur's consent to share the named information "
                    "with this partner."
                )
            }
        )


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
    shared_items: str = "",
    consent: bool = False,
) -> Referral:
    """Refer an entrepreneur to a partner; the first row of its history is written at once. ``consent``: she
    agreed to share ``shared_items`` with the partner (recorded as a consent of its own); without it the
    referral stays proposed."""
    if not partner.is_active:
        raise ValidationError({"partner": _("This partner is no longer active: choose another one.")})
    if status not in REFERRAL_INITIAL:
        raise ValidationError({"status": _("A new referral is either proposed or already sent.")})
    check_not_in_future(referred_on, "referred_on")
    if consent and not shared_items.strip():
        raise ValidationError({"shared_items": _("Name what she agrees to share with this partner.")})
    referral = Referral(
        profile=profile,
        partner=partner,
        reason=reason.strip(),
        status=status,
        created_by=created_by,
        shared_items=shared_items.strip(),
    )
    if referred_on is not None:
        referral.referred_on = referred_on
    check_not_before_intake(profile, referral.referred_on, "referred_on")
    referral.full_clean()
    referral.save()
    if consent:
        consents.consent_give(
            profile=profile,
            purpose=ConsentPurpose.REFERRAL,
            subject=referral.consent_subject,
            recorded_by=created_by,
            text=referral_consent_text(partner, shared_items, language=profile.user.language),
        )
    if status == ReferralStatus.SENT:
        _check_sharing(referral)
    ReferralStatusChange.objects.create(
        referral=referral, from_status="", to_status=status, changed_by=created_by, note=note.strip()
    )
    caseload_position_refresh(profile_ids=[profile.pk])
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
    if to_status == ReferralStatus.SENT:
        _check_sharing(referral)
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
    caseload_position_refresh(profile_ids=[referral.profile_id])
    return referral


@consents.on_withdrawal(ConsentPurpose.REFERRAL)
def referral_stop_sharing(profile: EntrepreneurProfile, subject: str) -> None:
    """Her consent to a referral's sharing withdrawn: recorded on the referral at once (it can no longer be
    sent; the page tells the advisor to let the partner know)."""
    if not subject.startswith("referral:") or not subject.removeprefix("referral:").isdigit():
        return
    Referral.objects.filter(
        pk=int(subject.removeprefix("referral:")), profile=profile, sharing_stopped_at__isnull=True
    ).update(sharing_stopped_at=timezone.now())
