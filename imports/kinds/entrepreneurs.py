"""Entrepreneurs: the person, their advisor and business, and demographics only behind a recorded consent."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.kinds import register
from imports.kinds.base import (
    Column,
    Kind,
    RowOutcome,
    choice_parser,
    parse_bool,
    parse_date,
    parse_int,
)
from imports.kinds.common import ENTREPRENEURS, check_unique_in_file, find_advisor
from microcredit.accounts import services as accounts
from microcredit.accounts.models import (
    BusinessSector,
    BusinessStage,
    Demographics,
    EntrepreneurProfile,
    Gender,
    IncomeSource,
    Language,
    User,
)

parse_language = choice_parser(
    Language, {"fr": "fr-ca", "francais": "fr-ca", "fr ca": "fr-ca", "anglais": "en", "english": "en"}
)

DEMOGRAPHIC_COLUMNS = ("gender", "birth_year", "immigrant", "anglophone", "disability", "income_source")


class EntrepreneursKind(Kind):
    key = ENTREPRENEURS
    title = gettext_lazy("Entrepreneurs")
    description = gettext_lazy(
        "One row per entrepreneur: their advisor, language, business and intake date. Demographic answers "
        "are imported only for a person whose consent date is in the consent column."
    )
    columns = (
        Column(
            "external_id",
            "identifiant",
            "id",
            gettext_lazy("Your own id for the person (kept to recognize them on a later import)."),
            required=True,
            example="E-001",
        ),
        Column(
            "first_name", "prénom", "first name", gettext_lazy("First name."), required=True, example="Marie"
        ),
        Column(
            "last_name", "nom", "last name", gettext_lazy("Last name."), required=True, example="Tremblay"
        ),
        Column(
            "email",
            "courriel",
            "email",
            gettext_lazy("Email address (may be empty)."),
            example="marie@example.org",
        ),
        Column("phone", "téléphone", "phone", gettext_lazy("Phone number."), example="514 555-0101"),
        Column(
            "language",
            "langue",
            "language",
            gettext_lazy("fr or en (French if empty)."),
            parse=parse_language,
            example="fr",
        ),
        Column(
            "advisor",
            "conseiller",
            "advisor",
            gettext_lazy("Login or email of the assigned advisor."),
            example="amelie",
        ),
        Column(
            "intake_date",
            "date d'accueil",
            "intake date",
            gettext_lazy("Date of intake (2024-03-15 or 15/03/2024)."),
            required=True,
            parse=parse_date,
            example="2024-03-15",
        ),
        Column(
            "business_name",
            "entreprise",
            "business",
            gettext_lazy("Name of the business."),
            example="Traiteur Marie",
        ),
        Column(
            "business_sector",
            "secteur",
            "sector",
            gettext_lazy("Business sector (a code or its name)."),
            parse=choice_parser(BusinessSector),
            example="food",
        ),
        Column(
            "business_stage",
            "stade",
            "stage",
            gettext_lazy("Business stage (a code or its name)."),
            parse=choice_parser(BusinessStage),
            example="starting",
        ),
        Column("city", "ville", "city", gettext_lazy("City."), example="Montréal"),
        Column(
            "postal_code",
            "code postal",
            "postal code",
            gettext_lazy("Canadian postal code."),
            example="H2X 1Y4",
        ),
        Column(
            "consent_date",
            "date de consentement",
            "consent date",
            gettext_lazy(
                "Date the person consented to the demographic questions; empty: no demographics kept."
            ),
            parse=parse_date,
            example="2024-03-15",
        ),
        Column(
            "gender",
            "genre",
            "gender",
            gettext_lazy("Gender (only with consent)."),
            parse=choice_parser(Gender),
            example="woman",
        ),
        Column(
            "birth_year",
            "année de naissance",
            "birth year",
            gettext_lazy("Birth year (only with consent)."),
            parse=parse_int,
            example="1985",
        ),
        Column(
            "immigrant",
            "immigrant",
            "immigrant",
            gettext_lazy("yes or no (only with consent)."),
            parse=parse_bool,
        ),
        Column(
            "anglophone",
            "anglophone",
            "anglophone",
            gettext_lazy("yes or no (only with consent)."),
            parse=parse_bool,
        ),
        Column(
            "disability",
            "handicap",
            "disability",
            gettext_lazy("yes or no (only with consent)."),
            parse=parse_bool,
        ),
        Column(
            "income_source",
            "source de revenu",
            "income source",
            gettext_lazy("Main income source (only with consent)."),
            parse=choice_parser(IncomeSource),
        ),
    )
    field_columns = {"username": "last_name"}

    def apply(self, values: dict, row: int, context: dict) -> RowOutcome:
        from imports.services import external_id_record, external_object_id

        external_id = values["external_id"]
        check_unique_in_file(context, "id", external_id, row, "external_id")
        advisor = find_advisor(values["advisor"], context) if values["advisor"] else None
        answers = {name: values[name] for name in DEMOGRAPHIC_COLUMNS if values[name] not in (None, "")}
        if answers and values["consent_date"] is None:
            raise ValidationError(
                {next(iter(answers)): _("Demographic answers are imported only with a consent date.")}
            )
        user_fields = {
            "first_name": values["first_name"],
            "last_name": values["last_name"],
            "email": values["email"] or "",
            "phone": values["phone"] or "",
            "language": values["language"] or Language.FRENCH,
        }
        profile_fields = {
            "advisor": advisor,
            "intake_date": values["intake_date"],
            "business_name": values["business_name"] or "",
            "business_sector": values["business_sector"] or BusinessSector.OTHER,
            "business_stage": values["business_stage"] or BusinessStage.IDEA,
            "city": values["city"] or "",
            "postal_code": values["postal_code"] or "",
        }
        label = f"{values['first_name']} {values['last_name']}"
        pk = external_object_id(ENTREPRENEURS, external_id)
        profile = EntrepreneurProfile.objects.select_related("user").filter(pk=pk).first() if pk else None
        if profile is None:
            self._check_not_duplicate(user_fields)
            fields = dict(profile_fields)
            profile = accounts.entrepreneur_create(
                **user_fields,
                advisor=fields.pop("advisor"),
                created_by=context["actor"],
                send_invitation=False,
                **fields,
            )
            external_id_record(ENTREPRENEURS, external_id, profile.pk, context["batch"])
            action = "create"
        else:
            changed = self._changed(profile, user_fields, profile_fields)
            if changed:
                accounts.entrepreneur_update(
                    profile=profile,
                    user_fields=user_fields,
                    profile_fields=profile_fields,
                    changed_by=context["actor"],
                )
            action = "update" if changed else "unchanged"
        if self._demographics(profile, values, answers) and action == "unchanged":
            action = "update"
        return RowOutcome(row=row, action=action, label=label)

    @staticmethod
    def _check_not_duplicate(user_fields: dict) -> None:
        """The same person already here under no id of this file: same email (the service refuses it), or
        same name and phone number."""
        if (
            user_fields["phone"]
            and User.objects.filter(
                first_name__iexact=user_fields["first_name"],
                last_name__iexact=user_fields["last_name"],
                phone=user_fields["phone"],
            ).exists()
        ):
            raise ValidationError(
                {"last_name": _("A person with this name and phone number is already registered.")}
            )

    @staticmethod
    def _changed(profile: EntrepreneurProfile, user_fields: dict, profile_fields: dict) -> bool:
        user = profile.user
        return any(getattr(user, name) != value for name, value in user_fields.items()) or any(
            getattr(profile, name) != value for name, value in profile_fields.items()
        )

    @staticmethod
    def _demographics(profile: EntrepreneurProfile, values: dict, answers: dict) -> bool:
        """Record the consented answers; returns whether anything changed."""
        if values["consent_date"] is None:
            return False
        current = Demographics.objects.filter(profile=profile).first()
        wanted = {
            name: answers.get(name, Demographics._meta.get_field(name).get_default())
            for name in Demographics.ANSWER_FIELDS
        }
        if (
            current is not None
            and current.consent_given_at is not None
            and timezone.localdate(current.consent_given_at) == values["consent_date"]
            and all(getattr(current, name) == value for name, value in wanted.items())
        ):
            return False
        demographics = accounts.demographics_record(profile=profile, consent=True, answers=answers)
        # The consent was given when the organization recorded it, not today: keep its date (Law 25).
        given = timezone.make_aware(datetime.datetime.combine(values["consent_date"], datetime.time(12)))
        Demographics.objects.filter(pk=demographics.pk).update(consent_given_at=given)
        return True


register(EntrepreneursKind())
