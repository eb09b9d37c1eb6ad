"""Writes about people. Views and forms call these; nothing else changes a profile or a consent."""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from microcredit.accounts import consents
from microcredit.accounts.models import (
    AdvisorAssignment,
    ConsentPurpose,
    Demographics,
    EntrepreneurProfile,
    Role,
    User,
)

logger = logging.getLogger(__name__)

PROFILE_FIELDS = (
    "address",
    "city",
    "postal_code",
    "business_name",
    "business_sector",
    "business_stage",
    "business_description",
    "intake_date",
)


def username_for(first_name: str, last_name: str) -> str:
    """A readable, unique login such as ``marie.tremblay`` (``marie.tremblay2`` if it is taken)."""
    parts = [slugify(name).replace("-", ".") for name in (first_name, last_name)]
    base = ".".join(part for part in parts if part)[:140] or "personne"
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}{number}"
    return candidate


def _check_email_free(email: str, *, person: User | None = None) -> None:
    others = User.objects.filter(email__iexact=email)
    if person is not None:
        others = others.exclude(pk=person.pk)
    if email and others.exists():
        raise ValidationError({"email": _("Someone already uses this email address.")})


def _check_advisor(advisor: User | None) -> None:
    if advisor is not None and not (advisor.role == Role.ADVISOR and advisor.is_active):
        raise ValidationError({"advisor": _("Choose an active advisor.")})


@transaction.atomic
def entrepreneur_create(
    *,
    first_name: str,
    last_name: str,
    email: str = "",
    phone: str = "",
    language: str = "fr-ca",
    advisor: User | None = None,
    created_by: User | None = None,
    send_invitation: bool = True,
    **profile_fields,
) -> EntrepreneurProfile:
    """Register an entrepreneur. With an email address they receive an invitation to choose a password;
    without one they can still be registered, and their advisor sets a password when they want to sign in.
    """
    _check_advisor(advisor)
    _check_email_free(email.strip())
    unknown = set(profile_fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown profile fields: {sorted(unknown)}")
    user = User(
        username=username_for(first_name, last_name),
        first_name=first_name,
        last_name=last_name,
        email=email.strip(),
        phone=phone,
        language=language,
        role=Role.ENTREPRENEUR,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    profile = EntrepreneurProfile(user=user, advisor=advisor, **profile_fields)
    profile.full_clean()
    profile.save()
    if advisor is not None:
        AdvisorAssignment.objects.create(profile=profile, advisor=advisor, changed_by=created_by)
    if user.email and send_invitation:
        from microcredit.accounts.tasks import send_invitation as invitation_task

        transaction.on_commit(lambda: invitation_task.delay(user.pk))
    return profile


@transaction.atomic
def entrepreneur_assign_advisor(
    *, profile: EntrepreneurProfile, advisor: User | None, changed_by: User | None, reason: str = ""
) -> EntrepreneurProfile:
    """Change who follows an entrepreneur, keeping the history (AdvisorAssignment rows)."""
    _check_advisor(advisor)
    profile = EntrepreneurProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.advisor_id == (advisor.pk if advisor else None):
        return profile
    AdvisorAssignment.objects.create(
        profile=profile,
        previous_advisor=profile.advisor,
        advisor=advisor,
        changed_by=changed_by,
        reason=reason,
    )
    profile.advisor = advisor
    profile.save(update_fields=["advisor", "updated_at"])
    return profile


@transaction.atomic
def entrepreneur_update(
    *, profile: EntrepreneurProfile, user_fields: dict, profile_fields: dict, changed_by: User | None = None
) -> EntrepreneurProfile:
    allowed_user_fields = {"first_name", "last_name", "email", "phone", "language"}
    # Sharing her contact with her circle is her own choice (privacy by default): only her form sends it.
    allowed_profile_fields = {*PROFILE_FIELDS, "advisor", "share_contact_with_circle"}
    if set(user_fields) - allowed_user_fields or set(profile_fields) - allowed_profile_fields:
        raise TypeError("Unexpected fields")
    profile_fields = dict(profile_fields)
    if "advisor" in profile_fields:
        profile = entrepreneur_assign_advisor(
            profile=profile, advisor=profile_fields.pop("advisor"), changed_by=changed_by
        )
    user = profile.user
    if "email" in user_fields:
        _check_email_free(user_fields["email"].strip(), person=user)
    for name, value in user_fields.items():
        setattr(user, name, value.strip() if name == "email" else value)
    user.full_clean()
    user.save()
    for name, value in profile_fields.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def demographics_record(
    *, profile: EntrepreneurProfile, consent: bool, answers: dict, recorded_by: User | None = None
) -> Demographics:
    """Record self-declared answers. Without an explicit consent nothing is kept; the consent itself is a
    dated record of the per-purpose consents (``microcredit.accounts.consents``)."""
    if not consent:
        raise ValidationError(_("Demographic answers are recorded only with the person's consent."))
    unknown = set(answers) - set(Demographics.ANSWER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown demographic fields: {sorted(unknown)}")
    record = consents.consent_give(
        profile=profile, purpose=ConsentPurpose.DEMOGRAPHICS, recorded_by=recorded_by
    )
    demographics, _created = Demographics.objects.select_for_update().get_or_create(profile=profile)
    if demographics.consent_given_at is None:
        demographics.consent_given_at = record.recorded_at
        demographics.consent_withdrawn_at = None
    for name in Demographics.ANSWER_FIELDS:
        setattr(demographics, name, answers.get(name, demographics._meta.get_field(name).get_default()))
    demographics.full_clean()
    demographics.save()
    return demographics


@transaction.atomic
def demographics_withdraw(*, profile: EntrepreneurProfile, recorded_by: User | None = None) -> Demographics:
    """Withdrawing consent is recorded and erases every answer, keeping only the date of withdrawal."""
    Demographics.objects.get_or_create(profile=profile)
    consents.consent_withdraw(profile=profile, purpose=ConsentPurpose.DEMOGRAPHICS, recorded_by=recorded_by)
    return Demographics.objects.get(profile=profile)


# --- Password reset: the same work whatever the address, and a cap per address and per client ------------


def _within_limit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one more request under ``key`` in a fixed window (the shared cache: Redis in production)."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds)
        count = 1
    return count <= limit


def password_reset_request(*, email: str, client_address: str) -> bool:
    """Ask for a reset email to ``email``. Nothing here depends on whether an account has this address: the
    request is counted, then a task is queued that looks the address up and sends (or not). So the answer
    takes the same time and says the same thing either way. Returns False when over a limit (the caller
    answers the same page: the cap is per address asked and per client, never per account)."""
    window = settings.PASSWORD_RESET_WINDOW_MINUTES * 60
    digest = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
    # Both counters move on every request, so that neither limit can be probed through the other.
    address_ok = _within_limit(
        f"password-reset:address:{digest}", settings.PASSWORD_RESET_ADDRESS_LIMIT, window
    )
    client_ok = _within_limit(
        f"password-reset:client:{client_address}", settings.PASSWORD_RESET_CLIENT_LIMIT, window
    )
    if not (address_ok and client_ok):
        logger.warning(
            "Password reset request over the limit (address %s…, client %s)", digest[:8], client_address
        )
        return False
    from microcredit.accounts.tasks import send_password_reset

    # Nothing was written, so there is no transaction to wait for.
    send_password_reset.delay(email.strip())
    return True
