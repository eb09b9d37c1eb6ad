"""What anonymizing a person means for her account and profile (registered from ``ready()``)."""

from django.utils import timezone

from microcredit.accounts.models import AdvisorAssignment, ConsentRecord, Demographics, EntrepreneurProfile
from microcredit.core import retention


def anonymize_person(profile: EntrepreneurProfile) -> list[str]:
    user = profile.user
    user.first_name, user.last_name = "", f"#{profile.pk}"
    user.username, user.email, user.phone = f"anonymized-{profile.pk}", "", ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    EntrepreneurProfile.objects.filter(pk=profile.pk).update(
        address="",
        city="",
        postal_code="",
        business_name="",
        business_description="",
        share_contact_with_circle=False,
        anonymized_at=timezone.now(),
    )
    Demographics.objects.filter(profile=profile).delete()
    AdvisorAssignment.objects.filter(profile=profile).update(reason="")
    ConsentRecord.objects.filter(profile=profile).update(text="")
    return ["name", "contact", "address", "business name and description", "demographics", "consent texts"]


def register() -> None:
    retention.register(anonymizer=anonymize_person)
