"""Consent per purpose (Quebec's Law 25): the one home of giving, withdrawing and checking a consent.

A withdrawal takes effect at once everywhere: each app registers, from its ``ready()``, what it stops when
a purpose's consent is withdrawn (``on_withdrawal``): demographic answers are erased here, pending reminder
emails go to the advisor instead (loans), a referral's sharing stops (coaching)."""

from collections.abc import Callable

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from microcredit.accounts.models import ConsentPurpose, ConsentRecord, Demographics, EntrepreneurProfile, User

# The words each consent box shows, versioned: new wording is a new version (kept with each consent).
TEXT_VERSION = "2026-12-01"
TEXTS = {
    ConsentPurpose.DEMOGRAPHICS: _(
        "I agree that the organization keeps these answers to report, in aggregate only, on the people "
        "it serves. I can withdraw this consent at any time; my answers are then erased."
    ),
    ConsentPurpose.EMAIL_REMINDERS: _(
        "I agree to receive reminders of my repayments by email. I can withdraw this consent at any time; my "
        "advisor then calls me instead."
    ),
    ConsentPurpose.REFERRAL: _(
        "I agree that the organization shares the information named here with this partner, for this "
        "referral only. I can withdraw this consent at any time; the sharing then stops."
    ),
}

Handler = Callable[[EntrepreneurProfile, str], None]
_handlers: dict[str, list[Handler]] = {}


def on_withdrawal(purpose: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        _handlers.setdefault(purpose, []).append(func)
        return func

    return register


def current(profile: EntrepreneurProfile, purpose: str, subject: str = "") -> ConsentRecord | None:
    return ConsentRecord.objects.filter(
        profile=profile, purpose=purpose, subject=subject, is_current=True
    ).first()


def has_consent(profile: EntrepreneurProfile | int, purpose: str, subject: str = "") -> bool:
    profile_id = profile if isinstance(profile, int) else profile.pk
    return ConsentRecord.objects.filter(
        profile_id=profile_id, purpose=purpose, subject=subject, is_current=True, granted=True
    ).exists()


def consented(purpose: str, profile_ref: str = "pk") -> Exists:
    """For a queryset: whether the person at ``profile_ref`` has given this purpose's consent (no subject)."""
    return Exists(
        ConsentRecord.objects.filter(
            profile_id=OuterRef(profile_ref), purpose=purpose, subject="", is_current=True, granted=True
        )
    )


def consent_text(purpose: str, language: str) -> str:
    """The words the person read for ``purpose``, in her language."""
    with translation.override(language):
        return str(TEXTS[purpose])


def _record(profile, purpose, subject, granted, recorded_by, text) -> ConsentRecord:
    # Lock the person's row: two changes of the same consent at once still leave one current row.
    EntrepreneurProfile.objects.select_for_update().filter(pk=profile.pk).first()
    ConsentRecord.objects.filter(profile=profile, purpose=purpose, subject=subject, is_current=True).update(
        is_current=False
    )
    return ConsentRecord.objects.create(
        profile=profile,
        purpose=purpose,
        subject=subject,
        granted=granted,
        text_version=TEXT_VERSION,
        text=str(text) if text else consent_text(purpose, profile.user.language),
        recorded_by=recorded_by,
        recorded_at=timezone.now(),
    )


def consents_give_new(
    *, profiles: list[EntrepreneurProfile], purpose: str, recorded_by: User | None
) -> list[ConsentRecord]:
    """``consent_give`` for people registered in the same transaction, who have no consent recorded yet (so
    none to replace and no one else to wait for): their records written at once, each in her language."""
    now, texts = timezone.now(), {}
    for profile in profiles:
        language = profile.user.language
        if language not in texts:
            texts[language] = consent_text(purpose, language)
    return ConsentRecord.objects.bulk_create(
        ConsentRecord(
            profile=profile,
            purpose=purpose,
            subject="",
            granted=True,
            text_version=TEXT_VERSION,
            text=texts[profile.user.language],
            recorded_by=recorded_by,
            recorded_at=now,
        )
        for profile in profiles
    )


@transaction.atomic
def consent_give(
    *, profile: EntrepreneurProfile, purpose: str, recorded_by: User | None, subject: str = "", text: str = ""
) -> ConsentRecord:
    """Records a consent the person gave (a box she ticked herself, or her advisor with her). Giving it again
    while it stands records nothing new."""
    existing = current(profile, purpose, subject)
    if existing is not None and existing.granted:
        return existing
    return _record(profile, purpose, subject, True, recorded_by, text)


@transaction.atomic
def consent_withdraw(
    *, profile: EntrepreneurProfile, purpose: str, recorded_by: User | None, subject: str = ""
) -> ConsentRecord | None:
    """Withdraws a consent, by the person or by her advisor on her request: recorded, then every app stops
    what it did under it, in the same transaction."""
    existing = current(profile, purpose, subject)
    if existing is not None and not existing.granted:
        return existing  # already withdrawn
    record = _record(profile, purpose, subject, False, recorded_by, existing.text if existing else "")
    for handler in _handlers.get(purpose, []):
        handler(profile, subject)
    return record


@on_withdrawal(ConsentPurpose.DEMOGRAPHICS)
def _erase_demographics(profile: EntrepreneurProfile, subject: str) -> None:
    demographics = Demographics.objects.select_for_update().filter(profile=profile).first()
    if demographics is None:
        return
    for name in Demographics.ANSWER_FIELDS:
        setattr(demographics, name, demographics._meta.get_field(name).get_default())
    demographics.consent_given_at = None
    demographics.consent_withdrawn_at = timezone.now()
    demographics.save()
