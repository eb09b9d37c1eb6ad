"""People: one user model for every role, the entrepreneur's profile, and consented demographics."""

import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microcredit.core.dates import BoundedDateField, DateKind
from microcredit.core.jobs import SendOnce


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    ADVISOR = "advisor", _("Advisor")
    ENTREPRENEUR = "entrepreneur", _("Entrepreneur")
    BOARD = "board", _("Board member")


class Language(models.TextChoices):
    FRENCH = "fr-ca", _("French")
    ENGLISH = "en", _("English")


class PersonManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.COORDINATOR)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """Everyone who signs in. Entrepreneurs may have no email address: their notices go to their advisor."""

    email = models.EmailField(_("email address"), blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.ENTREPRENEUR)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.FRENCH
    )

    objects = PersonManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name", "username"]
        # Case-insensitive look-ups (``username__iexact``, ``email__iexact``: a new login, an email already
        # taken, an advisor named in an import) and the import's same-name-and-phone check use an index
        # instead of reading every person: importing 10,000 people grew as the square of the rows.
        indexes = [
            models.Index(Upper("username"), name="accounts_user_username_upper"),
            models.Index(Upper("email"), name="accounts_user_email_upper"),
            models.Index(fields=["phone"], name="accounts_user_phone"),
            # The staff of a role (the advisors of a list, a count) among tens of thousands of entrepreneurs.
            models.Index(fields=["role"], name="accounts_user_role"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="accounts_user_email_unique_ci",
                violation_error_message=_("Someone already uses this email address."),
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="accounts_user_role_valid"),
            models.CheckConstraint(
                condition=Q(language__in=Language.values), name="accounts_user_language_valid"
            ),
            # Only coordinators reach the Django admin.
            models.CheckConstraint(
                condition=Q(is_staff=False) | Q(role=Role.COORDINATOR),
                name="accounts_user_staff_is_coordinator",
                violation_error_message=_("Only coordinators can have staff access."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_coordinator(self) -> bool:
        return self.is_active and self.role == Role.COORDINATOR

    @property
    def is_advisor(self) -> bool:
        return self.is_active and self.role == Role.ADVISOR

    @property
    def is_entrepreneur(self) -> bool:
        return self.is_active and self.role == Role.ENTREPRENEUR

    @property
    def is_board_member(self) -> bool:
        return self.is_active and self.role == Role.BOARD

    @property
    def is_staff_member(self) -> bool:
        """Coordinators and advisors: the organization's staff, who work on people's files."""
        return self.is_coordinator or self.is_advisor

    # Coordinators administer the organization: in the Django admin they hold every model permission.
    # What each admin page lets them do (no deleting payments, ...) is limited in the ModelAdmin itself.
    def has_perm(self, perm, obj=None) -> bool:
        return self.is_coordinator or super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        return self.is_coordinator or super().has_module_perms(app_label)


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Invitation(SendOnce):
    """The email that lets a new person choose a password: one row per person (its key is the person's),
    claimed by the invitation task before it sends (``microcredit/core/jobs.py``), so a task run twice
    sends one email; a failing mail server is retried with backoff."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="invitation", verbose_name=_("person")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    sent_at = models.DateTimeField(_("invitation sent"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=InvitationStatus.values), name="accounts_invitation_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.status}"


class BusinessSector(models.TextChoices):
    FOOD = "food", _("Food and catering")
    RETAIL = "retail", _("Retail")
    SERVICES = "services", _("Personal and business services")
    CRAFTS = "crafts", _("Arts and crafts")
    CONSTRUCTION = "construction", _("Construction and renovation")
    AGRICULTURE = "agriculture", _("Agriculture")
    CARE = "care", _("Health, beauty and care")
    TECHNOLOGY = "technology", _("Technology")
    TRANSPORT = "transport", _("Transport and delivery")
    OTHER = "other", _("Other")


class BusinessStage(models.TextChoices):
    IDEA = "idea", _("Idea")
    STARTING = "starting", _("Starting up")
    OPERATING = "operating", _("Operating")
    GROWING = "growing", _("Growing")
    CLOSED = "closed", _("Closed")


postal_code_validator = RegexValidator(
    r"^[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d$", _("Enter a Canadian postal code, for example H2X 1Y4.")
)


class EntrepreneurProfile(models.Model):
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="entrepreneur_profile", verbose_name=_("person")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(
        _("postal code"), max_length=7, blank=True, validators=[postal_code_validator]
    )
    business_name = models.CharField(_("business name"), max_length=150, blank=True)
    business_sector = models.CharField(
        _("business sector"), max_length=20, choices=BusinessSector.choices, default=BusinessSector.OTHER
    )
    business_stage = models.CharField(
        _("business stage"), max_length=20, choices=BusinessStage.choices, default=BusinessStage.IDEA
    )
    business_description = models.TextField(_("business description"), blank=True)
    advisor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
        limit_choices_to={"role": Role.ADVISOR, "is_active": True},
        verbose_name=_("assigned advisor"),
    )
    intake_date = BoundedDateField(_("intake date"), default=datetime.date.today, date_kind=DateKind.ANY)
    # Privacy by default (Law 25): her circle sees her name and business only, unless she chooses this.
    share_contact_with_circle = models.BooleanField(
        _("show my phone number and email address to the members of my circle"), default=False
    )
    # Set by the retention pass (Law 25): the file is anonymized, its financial rows kept for the accounts.
    anonymized_at = models.DateTimeField(_("anonymized"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("entrepreneur")
        verbose_name_plural = _("entrepreneurs")
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(business_sector__in=BusinessSector.values), name="accounts_profile_sector_valid"
            ),
            models.CheckConstraint(
                condition=Q(business_stage__in=BusinessStage.values), name="accounts_profile_stage_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def choice_label(self) -> str:
        """How a person reads in a list to choose from: enough to tell two namesakes apart (issue #13, 8),
        "Olivier Bergeron · Vélos Bergeron · nº 12" (the file number is the one on their page)."""
        parts = [str(self.user)]
        if self.business_name:
            parts.append(self.business_name)
        parts.append(_("no. %(number)s") % {"number": self.pk})
        return " · ".join(parts)

    @property
    def has_email(self) -> bool:
        return bool(self.user.email)


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NON_BINARY = "non_binary", _("Non-binary")
    OTHER = "other", _("Other")


class IncomeSource(models.TextChoices):
    SOCIAL_ASSISTANCE = "social_assistance", _("Social assistance")
    LOW_INCOME_WORK = "low_income_work", _("Low-income work")
    NO_INCOME = "no_income", _("No income")
    OTHER = "other", _("Other")


class Demographics(models.Model):
    """Self-declared answers, optional, kept only while consent stands (Quebec's Law 25).

    The database refuses answers without a consent date; withdrawing consent erases the answers.
    The board only ever sees them in aggregate.
    """

    profile = models.OneToOneField(
        EntrepreneurProfile,
        on_delete=models.CASCADE,
        related_name="demographics",
        verbose_name=_("entrepreneur"),
    )
    consent_given_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=20, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    immigrant = models.BooleanField(_("immigrant"), null=True, blank=True)
    anglophone = models.BooleanField(_("anglophone"), null=True, blank=True)
    disability = models.BooleanField(_("living with a disability"), null=True, blank=True)
    income_source = models.CharField(
        _("main income source"), max_length=20, choices=IncomeSource.choices, blank=True
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    ANSWER_FIELDS = ("gender", "birth_year", "immigrant", "anglophone", "disability", "income_source")

    class Meta:
        verbose_name = _("demographic answers")
        verbose_name_plural = _("demographic answers")
        constraints = [
            models.CheckConstraint(
                condition=Q(consent_given_at__isnull=False)
                | Q(
                    gender="",
                    birth_year__isnull=True,
                    immigrant__isnull=True,
                    anglophone__isnull=True,
                    disability__isnull=True,
                    income_source="",
                ),
                name="accounts_demographics_need_consent",
                violation_error_message=_("Demographic answers can only be kept with the person's consent."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.profile)

    @property
    def has_consent(self) -> bool:
        return self.consent_given_at is not None

    def age_on(self, day: datetime.date) -> int | None:
        return None if self.birth_year is None else day.year - self.birth_year


class AdvisorAssignment(models.Model):
    """History of who followed an entrepreneur: one row per change of assigned advisor."""

    profile = models.ForeignKey(
        EntrepreneurProfile,
        on_delete=models.CASCADE,
        related_name="advisor_assignments",
        verbose_name=_("entrepreneur"),
    )
    previous_advisor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("previous advisor"),
    )
    advisor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("new advisor")
    )
    changed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("date"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("advisor assignment")
        verbose_name_plural = _("advisor assignments")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.profile}: {self.previous_advisor or '—'} → {self.advisor or '—'}"


class ConsentPurpose(models.TextChoices):
    DEMOGRAPHICS = "demographics", _("Demographic statistics")
    EMAIL_REMINDERS = "email_reminders", _("Repayment reminders by email")
    REFERRAL = "referral", _("Sharing with a partner (referral)")


class ConsentRecord(models.Model):
    """One consent per purpose (Quebec's Law 25), given or withdrawn: each change is a new row, with its date,
    the words shown to the person and who recorded it; the newest row of a (person, purpose, subject) is the
    one that counts (``is_current``). A referral's consent names its subject (``referral:<id>``)."""

    profile = models.ForeignKey(
        EntrepreneurProfile, on_delete=models.CASCADE, related_name="consents", verbose_name=_("entrepreneur")
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    subject = models.CharField(_("about"), max_length=60, blank=True)
    granted = models.BooleanField(_("consent given"))
    text_version = models.CharField(_("version of the text shown"), max_length=20)
    text = models.TextField(_("text shown"), blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("date"), default=timezone.now)
    is_current = models.BooleanField(default=True, editable=False)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=ConsentPurpose.values), name="accounts_consent_purpose_valid"
            ),
            models.UniqueConstraint(
                fields=["profile", "purpose", "subject"],
                condition=Q(is_current=True),
                name="accounts_consent_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} · {self.get_purpose_display()}"
