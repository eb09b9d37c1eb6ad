"""Partners of the local ecosystem (CDEC, SAJE, CLD, SACO, financial institutions…): one row per partner,
with its main contact (optional). Saved by ``coaching.services.partner_save``, the service of the partners'
screen; a contact already recorded is kept (a re-import adds the file's contact only when it is new)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coaching.models import Partner, PartnerKind
from coaching.services import partner_save
from imports.kinds import register
from imports.kinds.base import Column, Kind, RowOutcome, choice_parser, parse_bool, parse_email
from imports.kinds.common import check_unique_in_file

PARTNERS = "partners"

parse_kind = choice_parser(
    PartnerKind,
    {
        "cdec": "cdec",
        "cdc": "cdec",
        "saje": "saje",
        "cld": "cld",
        "saco": "saco",
        "institution financiere": "financial_institution",
        "banque": "financial_institution",
        "caisse": "financial_institution",
        "bank": "financial_institution",
        "autre": "other",
    },
)


class PartnersKind(Kind):
    key = PARTNERS
    title = gettext_lazy("Partners")
    description = gettext_lazy(
        "One row per partner organization, with its main contact (optional). Referrals made later pick "
        "partners from this directory."
    )
    columns = (
        Column(
            "external_id",
            "identifiant du partenaire",
            "partner id",
            gettext_lazy("Your own id for the partner."),
            required=True,
            example="P-01",
        ),
        Column(
            "name",
            "nom",
            "name",
            gettext_lazy("Name of the organization (unique)."),
            required=True,
            example="SAJE Montréal centre",
        ),
        Column(
            "kind",
            "type",
            "kind",
            gettext_lazy("CDEC, SAJE, CLD, SACO, financial institution or other."),
            required=True,
            parse=parse_kind,
            example="SAJE",
        ),
        Column(
            "services",
            "services offerts",
            "services",
            gettext_lazy("What the partner offers."),
            example="Accompagnement des jeunes entrepreneurs",
        ),
        Column("phone", "téléphone", "phone", gettext_lazy("Phone number."), example="514 555-0300"),
        Column(
            "email",
            "courriel",
            "email",
            gettext_lazy("Email address."),
            parse=parse_email,
            example="info@example.org",
        ),
        Column(
            "website",
            "site web",
            "website",
            gettext_lazy("Address of the website (https://…)."),
            example="https://example.org",
        ),
        Column("address", "adresse", "address", gettext_lazy("Street address."), example="1 rue Principale"),
        Column(
            "is_active",
            "actif",
            "active",
            gettext_lazy("yes or no (yes if empty): inactive partners are no longer offered."),
            parse=parse_bool,
            example="oui",
        ),
        Column(
            "contact_name",
            "nom du contact",
            "contact name",
            gettext_lazy("Name of the main contact."),
            example="Julie Roy",
        ),
        Column(
            "contact_title",
            "rôle du contact",
            "contact role",
            gettext_lazy("The contact's role."),
            example="Conseillère",
        ),
        Column(
            "contact_email",
            "courriel du contact",
            "contact email",
            gettext_lazy("The contact's email."),
            parse=parse_email,
            example="julie@example.org",
        ),
        Column(
            "contact_phone",
            "téléphone du contact",
            "contact phone",
            gettext_lazy("The contact's phone."),
            example="514 555-0301",
        ),
    )
    field_columns = {"is_active": "is_active"}

    def apply(self, values: dict, row: int, context: dict) -> RowOutcome:
        from imports.services import external_id_record, external_object_id

        external_id = values["external_id"]
        check_unique_in_file(context, "id", external_id, row, "external_id")
        fields = {
            "name": values["name"],
            "kind": values["kind"],
            "services_fr": values["services"] or "",  # the French services (the English is typed in the app)
            "phone": values["phone"] or "",
            "email": values["email"] or "",
            "website": values["website"] or "",
            "address": values["address"] or "",
            "is_active": True if values["is_active"] is None else values["is_active"],
        }
        pk = external_object_id(PARTNERS, external_id)
        partner = Partner.objects.filter(pk=pk).first() if pk else None
        if partner is None and Partner.objects.filter(name__iexact=fields["name"]).exists():
            raise ValidationError({"name": _("A partner with this name already exists.")})
        contacts = (
            [] if partner is None else list(partner.contacts.values("id", "name", "title", "email", "phone"))
        )
        new_contact = None
        if values["contact_name"]:
            new_contact = {
                "name": values["contact_name"],
                "title": values["contact_title"] or "",
                "email": values["contact_email"] or "",
                "phone": values["contact_phone"] or "",
            }
            if any(contact["name"].lower() == new_contact["name"].lower() for contact in contacts):
                new_contact = None
            else:
                contacts.append(new_contact)
        elif any(values[key] for key in ("contact_title", "contact_email", "contact_phone")):
            raise ValidationError({"contact_name": _("Give the contact's name.")})
        if partner is None:
            partner = partner_save(partner=None, fields=fields, contacts=contacts)
            external_id_record(PARTNERS, external_id, partner.pk, context["batch"])
            action = "create"
        elif new_contact is not None or any(
            getattr(partner, name) != value for name, value in fields.items()
        ):
            partner_save(partner=partner, fields=fields, contacts=contacts)
            action = "update"
        else:
            action = "unchanged"
        return RowOutcome(row=row, action=action, label=fields["name"])


register(PartnersKind())
