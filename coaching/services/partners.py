from collections.abc import Sequence

from django.db import transaction

from coaching.models import Partner, PartnerContact

# The services offered are typed in French and in English (empty: the French is shown).
PARTNER_FIELDS = (
    "name",
    "kind",
    "services_fr",
    "services_en",
    "phone",
    "email",
    "website",
    "address",
    "is_active",
)
CONTACT_FIELDS = ("name", "title", "email", "phone")


@transaction.atomic
def partner_save(*, partner: Partner | None, fields: dict, contacts: Sequence[dict]) -> Partner:
    """Create or update a partner with its whole list of contacts: each contact is a dict of
    ``CONTACT_FIELDS`` with its ``id`` when it already exists; contacts left out are removed."""
    unknown = set(fields) - set(PARTNER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown partner fields: {sorted(unknown)}")
    partner = Partner() if partner is None else Partner.objects.select_for_update().get(pk=partner.pk)
    for name, value in fields.items():
        setattr(partner, name, value.strip() if isinstance(value, str) else value)
    partner.full_clean()
    partner.save()

    existing = {contact.pk: contact for contact in partner.contacts.all()}
    kept = set()
    for data in contacts:
        contact = existing.get(data.get("id")) or PartnerContact(partner=partner)
        for name in CONTACT_FIELDS:
            setattr(contact, name, (data.get(name) or "").strip())
        contact.full_clean()
        contact.save()
        kept.add(contact.pk)
    partner.contacts.exclude(pk__in=kept).delete()
    return partner
