"""The organization's own settings: one row, edited by coordinators."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from microcredit.core.money_fields import MoneyModelField


def parse_day_offsets(value: str) -> list[int]:
    """'1, 7,30' -> [1, 7, 30]; refuses anything else with a translated message."""
    try:
        days = sorted({int(part) for part in value.split(",") if part.strip()})
    except ValueError:
        raise ValidationError(
            _("Enter whole numbers of days separated by commas, for example 1, 7, 30."), code="invalid"
        ) from None
    if not days or days[0] < 1 or days[-1] > 365:
        raise ValidationError(_("Each number of days must be between 1 and 365."), code="out_of_range")
    return days


# The settings read once per request or task (``settings_scope``): a page or a nightly pass that asks for
# them at every step reads the row once. Outside a scope (a shell, a test calling a service) every
# ``load()`` reads the row.
_scope: ContextVar[dict | None] = ContextVar("organization_settings_scope", default=None)


@contextmanager
def settings_scope() -> Iterator[None]:
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


def validate_day_offsets(value: str) -> None:
    parse_day_offsets(value)


class SecondApprover(models.TextChoices):
    """Who, besides coordinators, may decide on a loan for the organization (four eyes still apply)."""

    NONE = "", _("Coordinators only")
    BOARD = "board", _("Board members")
    ADVISOR = "advisor", _("Advisors")


class OrganizationSettings(models.Model):
    """Singleton (the primary key is always 1): load it with ``OrganizationSettings.load()``."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    name = models.CharField(_("organization name"), max_length=150, default="Microcrédit communautaire")
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=250, blank=True)
    circle_guarantee_threshold = MoneyModelField(
        _("circle guarantee threshold (CAD)"),
        default=Decimal("2000.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_(
            "Loans up to this amount are guaranteed by the borrower's circle; above it they are the "
            "borrower's individual responsibility."
        ),
    )
    circle_min_members = models.PositiveSmallIntegerField(
        _("minimum active members of a circle"), default=4, validators=[MinValueValidator(2)]
    )
    circle_max_members = models.PositiveSmallIntegerField(
        _("maximum active members of a circle"), default=7, validators=[MaxValueValidator(20)]
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        _("reminder before a due date (days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    reminder_days_after = models.CharField(
        _("reminders after a missed due date (days)"),
        max_length=60,
        default="1,7,30",
        validators=[validate_day_offsets],
        help_text=_("Numbers of days separated by commas, for example 1, 7, 30."),
    )
    coaching_no_contact_days = models.PositiveSmallIntegerField(
        _("flag entrepreneurs without contact after (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("An advisor's caseload flags anyone without a coaching contact for longer than this."),
    )
    circle_vote_quorum_percent = models.PositiveSmallIntegerField(
        _("circle review quorum (% of eligible members)"),
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("More than this share of the eligible members must vote."),
    )
    circle_vote_approval_percent = models.PositiveSmallIntegerField(
        _("circle review majority (% of eligible members voting for)"),
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("A request is accepted when more than this share of the eligible members vote for it."),
    )
    loan_default_days = models.PositiveSmallIntegerField(
        _("a loan is in default after (days past due)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
    )
    restructuring_needs_circle = models.BooleanField(
        _("a circle-guaranteed loan's restructuring needs the circle's decision"),
        default=True,
        help_text=_(
            "If so, approving the restructuring of a circle-guaranteed loan records the meeting where the "
            "circle was informed and its decision."
        ),
    )
    loan_plan_min_chars = models.PositiveSmallIntegerField(
        _("business plan: minimum characters per section to submit"),
        default=40,
        validators=[MinValueValidator(1), MaxValueValidator(2000)],
        help_text=_(
            "A draft may be incomplete; submitting it to the circle needs each section of the business "
            "plan written to at least this length."
        ),
    )
    loan_open_requests_max = models.PositiveSmallIntegerField(
        _("open loan requests per person"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_(
            "How many requests one person may have open at once (draft, in review, returned, accepted or "
            "approved and not yet disbursed)."
        ),
    )
    loan_second_approver_role = models.CharField(
        _("also authorised to decide on loans"),
        max_length=20,
        choices=SecondApprover.choices,
        blank=True,
        default="",
        help_text=_(
            "Coordinators decide on loans, never on a file they prepared or whose circle decision they "
            "recorded. An organization with a single coordinator names a second role here, so that "
            "such files can still be decided."
        ),
    )
    # Quebec's Law 25: the person in charge of the protection of personal information. A staff account
    # (coordinator or advisor) chosen here holds the privacy officer's rights in the app (requests,
    # incidents, the file-access log); the name, title and contact are published on the privacy page.
    privacy_officer = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"role__in": ["coordinator", "advisor"], "is_active": True},
        verbose_name=_("person in charge of privacy"),
        help_text=_("A staff account: it reaches the privacy requests, incidents and the file-access log."),
    )
    privacy_officer_name = models.CharField(
        _("privacy officer's name (published)"), max_length=150, blank=True
    )
    privacy_officer_title = models.CharField(_("privacy officer's title"), max_length=150, blank=True)
    privacy_officer_contact = models.CharField(
        _("privacy officer's contact"),
        max_length=250,
        blank=True,
        help_text=_("An email address, phone number or mailing address, shown on the public privacy page."),
    )
    access_includes_staff_notes = models.BooleanField(
        _("access requests include advisors' internal notes"),
        default=True,
        help_text=_(
            "The law gives a person access to what is kept about her. Untick only for a documented "
            "exception, explained below."
        ),
    )
    staff_notes_exception = models.TextField(
        _("documented exception for advisors' internal notes"),
        blank=True,
        help_text=_("Why internal notes are left out of access requests (required when they are)."),
    )
    file_access_log_days = models.PositiveIntegerField(
        _("keep the file-access log for (days)"),
        default=730,
        validators=[MinValueValidator(30), MaxValueValidator(3650)],
    )
    retention_years_after_last_loan = models.PositiveSmallIntegerField(
        _("keep a borrower's file after her last loan is repaid or written off (years)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    retention_years_without_loan = models.PositiveSmallIntegerField(
        _("keep the file of someone who never borrowed after the last contact (years)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    retention_pass_enabled = models.BooleanField(
        _("anonymize the files past retention every night"),
        default=False,
        help_text=_("Review the dry-run list on the Retention page first."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organization settings")
        verbose_name_plural = _("organization settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="core_settings_singleton"),
            models.CheckConstraint(
                condition=Q(circle_min_members__gte=2) & Q(circle_min_members__lte=F("circle_max_members")),
                name="core_settings_circle_bounds",
                violation_error_message=_(
                    "The minimum size of a circle must be at least 2 and at most its maximum size."
                ),
            ),
            models.CheckConstraint(
                condition=Q(circle_guarantee_threshold__gte=0), name="core_settings_threshold_positive"
            ),
            models.CheckConstraint(
                condition=Q(coaching_no_contact_days__gte=1, coaching_no_contact_days__lte=365),
                name="core_settings_no_contact_days_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        box = _scope.get()
        if box is not None and self.pk == self.SINGLETON_ID:
            box["settings"] = self  # the rest of the request reads what was just saved

    def clean(self) -> None:
        super().clean()
        if not self.access_includes_staff_notes and not self.staff_notes_exception.strip():
            raise ValidationError(
                {"staff_notes_exception": _("Explain the exception before leaving the internal notes out.")}
            )

    @property
    def privacy_officer_display_name(self) -> str:
        if self.privacy_officer_name:
            return self.privacy_officer_name
        return str(self.privacy_officer) if self.privacy_officer_id else ""

    @classmethod
    def load(cls) -> "OrganizationSettings":
        """The organization's settings: read once per request or task (see ``settings_scope``)."""
        box = _scope.get()
        if box is not None and "settings" in box:
            return box["settings"]
        settings, _created = cls.objects.get_or_create(id=cls.SINGLETON_ID)
        if box is not None:
            box["settings"] = settings
        return settings

    @property
    def reminder_offsets_after(self) -> list[int]:
        return parse_day_offsets(self.reminder_days_after)


class Submission(models.Model):
    """One form sent once (issue #13, 7): the one-time key a create form carries, and what it created.

    ``microcredit.core.submissions.submit_once`` inserts the key before creating anything, in the same
    transaction: a second request with the same key (a double click, a resent form) waits on the unique key,
    finds the first one's row and shows its result instead of creating a second one."""

    key = models.UUIDField(_("submission key"), primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.CASCADE, related_name="+"
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, null=True, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True)
    result_url = models.CharField(_("page shown after it"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return str(self.key)


class FileAccess(models.Model):
    """Who opened what of an entrepreneur's file (Law 25: the evidence an incident investigation needs).
    Written by ``microcredit.core.access_log.log_file_access`` for staff reads; purged after the
    organization's ``file_access_log_days`` by a beat task."""

    profile = models.ForeignKey(
        "accounts.EntrepreneurProfile",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("entrepreneur"),
    )
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    what = models.CharField(_("what"), max_length=40)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("file access")
        verbose_name_plural = _("file accesses")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} → {self.profile} ({self.what})"
