"""Entrepreneurs: the person, their advisor and business, and demographics only behind a recorded consent.

A move-in brings thousands of people in one transaction, so they go by chunks of ``CHUNK`` as the loans do
(``imports.kinds.loans``): a chunk's look-ups in a few queries (``_Lookups``), each row then checked in the
file's order with the same messages as a row imported alone, the new people gathered in an
``accounts.services.EntrepreneursBatch`` (the checks and records of ``entrepreneur_create``) and written at
once in one savepoint. Someone already imported who is unchanged costs no write; one whose row changed goes
through ``entrepreneur_update`` on her row, after the people before her are written, and the new people
after her are looked up afterwards (her new address or name counts for them).
``tests/imports/test_people_chunks.py`` compares with the previous row-by-row engine."""

import datetime
import itertools

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.kinds import register
from imports.kinds.base import (
    Column,
    Kind,
    Report,
    RowOutcome,
    choice_parser,
    parse_bool,
    parse_date,
    parse_int,
)
from imports.kinds.common import ENTREPRENEURS, check_unique_in_file, find_advisor, find_advisors
from imports.readers import read_table
from microcredit.accounts import services as accounts
from microcredit.accounts.models import (
    BusinessSector,
    BusinessStage,
    Demographics,
    EntrepreneurProfile,
    Gender,
    IncomeSource,
    Language,
)
from microcredit.core.sql import text_rows

CHUNK = 500  # rows checked, then their new people written, together

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

    def process(self, name: str, data, context: dict, report: Report) -> None:
        """The rows by chunks of ``CHUNK``: each chunk's look-ups in a few queries, its new people checked
        one by one in the file's order (as ``entrepreneur_create`` checks one) then written at once, in one
        savepoint; a person already imported who changed goes through ``entrepreneur_update`` on her row."""
        from imports.services import read_rows

        rows = read_rows(self, read_table(name, data), report)
        shown = 0
        while chunk := list(itertools.islice(rows, CHUNK)):
            self._chunk(chunk, context, report)
            progress = context.get("progress")
            if progress is not None and report.rows_total // 100 * 100 > shown:
                shown = report.rows_total // 100 * 100
                progress(shown)  # every 100 rows read, as each chunk ends

    def _chunk(self, rows: list, context: dict, report: Report) -> None:
        """Check the chunk's rows in order, gathering the new people in a batch. What new people need (who
        has their address, login, name and phone) is looked up for a run of new people at once, up to the
        next person already imported; when she changed, the batch is written, then her row (in its
        savepoint), and the next new people are looked up again (against what she now is)."""
        from imports.services import conflict_message, report_refusal

        found = _Lookups(rows, context)
        batch, added, looked_up = self._batch(context), [], 0
        for index, (number, values) in enumerate(rows):
            if index >= looked_up and values["external_id"] not in found.profiles:
                looked_up = next(
                    (
                        later
                        for later in range(index, len(rows))
                        if rows[later][1]["external_id"] in found.profiles
                    ),
                    len(rows),
                )
                run = [later for _number, later in rows[index:looked_up]]
                found.look_up_people(run)
                batch.look_up((later["first_name"], later["last_name"], later["email"]) for later in run)
            try:
                change = self._check(values, number, context, found, batch)
            except ValidationError as error:
                report_refusal(self, report, number, values, error)
                continue
            label = f"{values['first_name']} {values['last_name']}"
            if change is False or isinstance(change, dict):  # unchanged (reported in its place), or new
                added.append((number, values, label, change or None))
                continue
            self._write(batch, added, context, report)
            try:
                with transaction.atomic():
                    self._change(*change, values, context)
                report.add(RowOutcome(row=number, action="update", label=label))
            except ValidationError as error:
                report_refusal(self, report, number, values, error)
            except IntegrityError as error:  # a rule the database enforces and no service checked first
                report.add_error(number, "", conflict_message(error))
            batch, looked_up = self._batch(context), index + 1
            found.forget_people()
        self._write(batch, added, context, report)

    @staticmethod
    def _batch(context: dict):
        return accounts.EntrepreneursBatch(created_by=context["actor"], send_invitation=False)

    def _check(self, values: dict, row: int, context: dict, found: "_Lookups", batch):
        """One row's checks, in the order of a row imported alone. A new person is added to ``batch``
        (returns what was added); someone already imported: False when nothing changes, else what
        ``_change`` writes."""
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
        profile = found.profiles.get(external_id)
        if profile is None:
            key = found.check_not_duplicate(user_fields)
            consented = values["consent_date"] is not None
            person = {
                **user_fields,
                **profile_fields,
                "demographics": answers if consented else None,
                "consent_given_at": _consent_moment(values["consent_date"]) if consented else None,
            }
            batch.add(**person)
            found.people_added(key)
            return person
        changed = self._changed(profile, user_fields, profile_fields)
        if not changed and _demographics_same(found.demographics.get(profile.pk), values, answers):
            return False
        return profile, user_fields, profile_fields, answers, changed

    def _write(self, batch, added: list, context: dict, report: Report) -> None:
        """The batch's new people at once (with their ids), then the outcomes of ``added``'s rows in order."""
        from imports.models import ExternalId

        new = [item for item in added if item[3] is not None]
        created = {number for number, *_rest in new}
        if new:
            try:
                with transaction.atomic():
                    profiles = batch.write()
                    ExternalId.objects.bulk_create(
                        (
                            ExternalId(
                                kind=ENTREPRENEURS,
                                external_id=values["external_id"],
                                object_id=profile.pk,
                                batch=context["batch"],
                            )
                            for (_number, values, _label, _person), profile in zip(new, profiles, strict=True)
                        ),
                        update_conflicts=True,
                        unique_fields=["kind", "external_id"],
                        update_fields=["object_id", "batch"],
                    )
            except IntegrityError:  # a rule the database enforces and no check made first
                created = self._write_one_by_one(new, context, report)
        for number, _values, label, person in added:
            if person is None or number in created:
                action = "create" if person is not None else "unchanged"
                report.add(RowOutcome(row=number, action=action, label=label))
        added.clear()

    def _write_one_by_one(self, new: list, context: dict, report: Report) -> set[int]:
        """The people of a batch that the database refused as a whole (another transaction took an address
        meanwhile, say), each on her own in her savepoint, so that the conflict is reported on its row as a
        row imported alone reports it. Returns the rows created."""
        from imports.services import conflict_message, external_id_record, report_refusal

        created = set()
        for number, values, _label, person in new:
            try:
                with transaction.atomic():
                    single = accounts.EntrepreneursBatch(created_by=context["actor"], send_invitation=False)
                    single.add(**person)
                    profile = single.write()[0]
                    external_id_record(ENTREPRENEURS, values["external_id"], profile.pk, context["batch"])
            except ValidationError as error:
                report_refusal(self, report, number, values, error)
            except IntegrityError as error:
                report.add_error(number, "", conflict_message(error))
            else:
                created.add(number)
        return created

    def _change(self, profile, user_fields, profile_fields, answers, changed, values, context) -> None:
        """Someone already imported whose row differs: ``entrepreneur_update``, then her consented answers."""
        if changed:
            accounts.entrepreneur_update(
                profile=profile,
                user_fields=user_fields,
                profile_fields=profile_fields,
                changed_by=context["actor"],
            )
        self._demographics(profile, values, answers)

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
        if _demographics_same(current, values, answers):
            return False
        demographics = accounts.demographics_record(profile=profile, consent=True, answers=answers)
        # The consent was given when the organization recorded it, not today: keep its date (Law 25).
        Demographics.objects.filter(pk=demographics.pk).update(
            consent_given_at=_consent_moment(values["consent_date"])
        )
        return True


def _consent_moment(day: datetime.date) -> datetime.datetime:
    """The consent was given when the organization recorded it, not today: noon of its day (Law 25)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _demographics_same(current: Demographics | None, values: dict, answers: dict) -> bool:
    """Whether the row's consent and answers are those already recorded (nothing to record: no consent date,
    or the same date and answers)."""
    if values["consent_date"] is None:
        return True
    wanted = {
        name: answers.get(name, Demographics._meta.get_field(name).get_default())
        for name in Demographics.ANSWER_FIELDS
    }
    return (
        current is not None
        and current.consent_given_at is not None
        and timezone.localdate(current.consent_given_at) == values["consent_date"]
        and all(getattr(current, name) == value for name, value in wanted.items())
    )


class _Lookups:
    """What a chunk's rows need from the database, each in one query: the people already imported under
    their ids (with their answers) and the advisors they name (``find_advisors``); then, for each run of new
    people (``look_up_people``), who already has the name and phone number of one of them, and the people
    the chunk adds (``people_added``)."""

    def __init__(self, rows: list, context: dict):
        from imports.services import external_object_ids

        wanted = [values for _number, values in rows]
        find_advisors((values["advisor"] for values in wanted), context)
        ids = external_object_ids(ENTREPRENEURS, {values["external_id"] for values in wanted})
        profiles = EntrepreneurProfile.objects.select_related("user", "advisor").in_bulk(set(ids.values()))
        self.profiles = {key: profiles[pk] for key, pk in ids.items() if pk in profiles}
        self.demographics = {
            answers.profile_id: answers
            for answers in Demographics.objects.filter(profile_id__in=[p.pk for p in self.profiles.values()])
        }
        self.forget_people()

    def look_up_people(self, wanted: list) -> None:
        self._people.update(
            _name_and_phone_in_use(
                (values["first_name"], values["last_name"], values["phone"])
                for values in wanted
                if values["phone"] and values["external_id"] not in self.profiles
            )
        )

    def forget_people(self) -> None:
        """After a change of someone already imported: the next new people are looked up again."""
        self._people, self._added = {}, set()

    def check_not_duplicate(self, user_fields: dict):
        """The same person already here under no id of this file: same name and phone number (the same email
        the accounts' service refuses). Returns her key, to count her once she is added."""
        if not user_fields["phone"]:
            return None
        key, used = self._people[(user_fields["first_name"], user_fields["last_name"], user_fields["phone"])]
        if used or key in self._added:
            raise ValidationError(
                {"last_name": _("A person with this name and phone number is already registered.")}
            )
        return key

    def people_added(self, key) -> None:
        if key is not None:
            self._added.add(key)


def _name_and_phone_in_use(people) -> dict[tuple, tuple[tuple, bool]]:
    """{(first name, last name, phone): (its key, whether someone has them)}: names compared without case, as
    ``first_name__iexact`` does (PostgreSQL's UPPER; the phone's index serves it), in one query."""
    people = sorted(set(people))
    if not people:
        return {}
    before, source, params = text_rows(("f", "l", "p"), people)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""{before}SELECT c.f, c.l, c.p, UPPER(c.f), UPPER(c.l), EXISTS (
                   SELECT 1 FROM accounts_user u WHERE u.phone = c.p
                   AND UPPER(u.first_name) = UPPER(c.f) AND UPPER(u.last_name) = UPPER(c.l))
               FROM {source}""",  # noqa: S608 (fixed fragments)
            params,
        )
        return {
            (given, family, number): ((given_key, family_key, number), bool(used))
            for given, family, number, given_key, family_key, used in cursor.fetchall()
        }


register(EntrepreneursKind())
