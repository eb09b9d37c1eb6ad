"""Writes about people. Views and forms call these; nothing else changes a profile or a consent."""

import hashlib
import logging
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
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
from microcredit.core.sql import text_rows

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


def _username_base(first_name: str, last_name: str) -> str:
    parts = [slugify(name).replace("-", ".") for name in (first_name, last_name)]
    return ".".join(part for part in parts if part)[:140] or "personne"


def _username_candidate(base: str, number: int) -> str:
    return base if number == 1 else f"{base}{number}"


def username_for(first_name: str, last_name: str) -> str:
    """A readable, unique login such as ``marie.tremblay`` (``marie.tremblay2`` if it is taken)."""
    base, number = _username_base(first_name, last_name), 1
    while User.objects.filter(username__iexact=_username_candidate(base, number)).exists():
        number += 1
    return _username_candidate(base, number)


def _check_email_free(email: str, *, person: User | None = None) -> None:
    others = User.objects.filter(email__iexact=email)
    if person is not None:
        others = others.exclude(pk=person.pk)
    if email and others.exists():
        raise ValidationError({"email": _("Someone already uses this email address.")})


def _check_advisor(advisor: User | None) -> None:
    if advisor is not None and not (advisor.role == Role.ADVISOR and advisor.is_active):
        raise ValidationError({"advisor": _("Choose an active advisor.")})


def _in_use(column: str, candidates) -> dict[str, tuple[str, bool]]:
    """{candidate: (its key, whether someone's ``column`` equals it without case)} in one query. The key is
    PostgreSQL's UPPER of the candidate, as ``column__iexact`` compares (served by the UPPER(...) index), so
    that the batch compares its own people exactly as the database would."""
    assert column in ("email", "username")
    wanted = sorted({candidate for candidate in candidates if candidate})
    if not wanted:
        return {}
    before, source, params = text_rows(("c",), [(candidate,) for candidate in wanted])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""{before}SELECT c.c, UPPER(c.c),
                       EXISTS (SELECT 1 FROM accounts_user u WHERE UPPER(u.{column}) = UPPER(c.c))
                FROM {source}""",  # noqa: S608 (one of two column names, fixed fragments)
            params,
        )
        return {candidate: (key, bool(used)) for candidate, key, used in cursor.fetchall()}


class EntrepreneursBatch:
    """Entrepreneurs registered together: ``entrepreneur_create`` registers one this way, the spreadsheet
    import hundreds at once. Each is checked by ``add`` as a registration checks her (an active advisor; an
    email address no one uses, nor anyone added before her to the batch; a unique login; every field of
    the account, of the profile and of the consented answers) and refused there with the reason; nothing is
    written before ``write``, which creates them all at once with what a registration records: an unusable
    password, the advisor's history row, the consent and the answers, the invitation (after the commit) and
    ``signals.entrepreneurs_created`` (the caseload counters, in ``coaching``).

    The look-ups are set-based: ``look_up`` finds, in one query each, the logins and email addresses already
    taken among those the coming people need (a person not looked up is looked up when added). The rules the
    database also checks one row at a time in ``full_clean`` (a unique login, a unique address: one query
    each) are checked here against those look-ups instead; the database's constraints still stand behind.
    """

    def __init__(
        self,
        *,
        created_by: User | None = None,
        send_invitation: bool = True,
        consent_recorded_by: User | None = None,
    ):
        """``consent_recorded_by``: who recorded the consents given with the answers (as
        ``demographics_record``'s ``recorded_by``; the import records none, as it always has)."""
        self.created_by, self.send_invitation = created_by, send_invitation
        self.consent_recorded_by = consent_recorded_by
        self._emails: dict[str, tuple[str, bool]] = {}
        self._usernames: dict[str, tuple[str, bool]] = {}
        self._taken: set[str] = set()  # keys of the addresses and logins of the people added
        self._logins: set[str] = set()
        self._people: list[tuple[User, EntrepreneurProfile, Demographics | None]] = []

    def __len__(self) -> int:
        return len(self._people)

    def look_up(self, people) -> None:
        """Prepare the checks of the coming ``add`` calls: ``people`` are (first name, last name, email)."""
        emails, bases = set(), {}
        for first_name, last_name, email in people:
            email = (email or "").strip()
            if email:
                emails.update((email, User.objects.normalize_email(email)))
            base = _username_base(first_name, last_name)
            bases[base] = bases.get(base, 0) + 1
        self._emails.update(_in_use("email", emails - set(self._emails)))
        self._look_up_logins(bases)

    def _look_up_logins(self, bases: dict[str, int], start: int = 1) -> None:
        candidates = {
            _username_candidate(base, number)
            for base, count in bases.items()
            for number in range(start, start + count)
        }
        self._usernames.update(_in_use("username", candidates - set(self._usernames)))

    def _email_key(self, email: str) -> tuple[str, bool]:
        if email not in self._emails:
            self._emails.update(_in_use("email", [email]))
        return self._emails[email]

    def _username(self, first_name: str, last_name: str) -> str:
        """``username_for``, also skipping the logins given to the people added before."""
        base, number = _username_base(first_name, last_name), 1
        while True:
            candidate = _username_candidate(base, number)
            if candidate not in self._usernames:
                self._look_up_logins({base: 8}, start=number)
            key, used = self._usernames[candidate]
            if not used and key not in self._logins:
                return candidate
            number += 1

    def add(
        self,
        *,
        first_name: str,
        last_name: str,
        email: str = "",
        phone: str = "",
        language: str = "fr-ca",
        advisor: User | None = None,
        demographics: dict | None = None,
        consent_given_at=None,
        **profile_fields,
    ) -> EntrepreneurProfile:
        """Check one more person (``ValidationError``: refused, nothing kept of her). ``demographics``: her
        consented answers (``demographics_record``), with the day she consented if not now."""
        _check_advisor(advisor)
        email = email.strip()
        if email and (self._email_key(email)[1] or self._email_key(email)[0] in self._taken):
            raise ValidationError({"email": _("Someone already uses this email address.")})
        unknown = set(profile_fields) - set(PROFILE_FIELDS)
        if unknown:
            raise TypeError(f"Unknown profile fields: {sorted(unknown)}")
        if demographics is not None and set(demographics) - set(Demographics.ANSWER_FIELDS):
            raise TypeError(
                f"Unknown demographic fields: {sorted(set(demographics) - set(Demographics.ANSWER_FIELDS))}"
            )
        user = User(
            username=self._username(first_name, last_name),
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            language=language,
            role=Role.ENTREPRENEUR,
        )
        user.set_unusable_password()
        # The login and the address were checked above against everyone (the UPPER(...) look-ups).
        user.full_clean(validate_unique=False, validate_constraints=False)
        profile = EntrepreneurProfile(user=user, advisor=advisor, **profile_fields)
        # Her account is not written yet; the advisor was checked above (``_check_advisor``).
        profile.full_clean(exclude={"user", "advisor"}, validate_unique=False, validate_constraints=False)
        answers = None
        if demographics is not None:
            answers = Demographics(profile=profile, consent_given_at=consent_given_at or timezone.now())
            for name in Demographics.ANSWER_FIELDS:
                setattr(
                    answers, name, demographics.get(name, Demographics._meta.get_field(name).get_default())
                )
            answers.full_clean(exclude={"profile"}, validate_unique=False, validate_constraints=False)
        if user.email:
            self._taken.add(self._email_key(user.email)[0])
        self._logins.add(self._usernames[user.username][0])
        self._people.append((user, profile, answers))
        return profile

    def write(self) -> list[EntrepreneurProfile]:
        """Create everyone added, at once (in the caller's transaction), with their records."""
        from microcredit.accounts import signals

        people, self._people = self._people, []
        self._taken, self._logins = set(), set()
        if not people:
            return []
        users = User.objects.bulk_create(user for user, _profile, _answers in people)
        profiles = []
        for user, profile, _answers in people:
            profile.user = user
            profiles.append(profile)
        EntrepreneurProfile.objects.bulk_create(profiles)
        AdvisorAssignment.objects.bulk_create(
            AdvisorAssignment(profile=profile, advisor=profile.advisor, changed_by=self.created_by)
            for profile in profiles
            if profile.advisor is not None
        )
        consenting = [(profile, answers) for _user, profile, answers in people if answers is not None]
        if consenting:
            consents.consents_give_new(
                profiles=[profile for profile, _answers in consenting],
                purpose=ConsentPurpose.DEMOGRAPHICS,
                recorded_by=self.consent_recorded_by,
            )
            for profile, answers in consenting:
                answers.profile = profile
            Demographics.objects.bulk_create(answers for _profile, answers in consenting)
        signals.entrepreneurs_created.send(
            sender=EntrepreneurProfile, profile_ids=[profile.pk for profile in profiles]
        )
        if self.send_invitation:
            from microcredit.accounts.tasks import send_invitation as invitation_task

            for user in users:
                if user.email:
                    transaction.on_commit(partial(invitation_task.delay, user.pk))
        return profiles


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
    (A batch of one: ``EntrepreneursBatch`` holds the rules.)"""
    batch = EntrepreneursBatch(created_by=created_by, send_invitation=send_invitation)
    batch.add(
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        language=language,
        advisor=advisor,
        **profile_fields,
    )
    return batch.write()[0]


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
