"""Loans from request to repayment: products, requests with business plans, circle review and guarantee,
approval, disbursement, schedule, payments (never edited or deleted: reversed), arrears, write-off."""

import datetime
import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from circles.models import Circle
from funds.models import FundSource
from loans.reminder_models import (  # noqa: F401  (registered with the loans app)
    AdvisorDigest,
    DigestStatus,
    Reminder,
    ReminderChannel,
    ReminderStatus,
)
from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.bilingual import FrenchInPlainColumn
from microcredit.core.dates import BoundedDateField, DateKind
from microcredit.core.formatting import format_money
from microcredit.core.jobs import SendOnce
from microcredit.core.money_fields import MoneyModelField
from microcredit.core.percent_fields import PercentModelField
from microcredit.core.state import StatusChange


def money(verbose_name, **kwargs):
    return MoneyModelField(verbose_name, **kwargs)


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    WEEKLY = "weekly", _("Weekly")


class LoanProduct(FrenchInPlainColumn, models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    min_amount = money(_("minimum amount"), validators=[MinValueValidator(Decimal("1.00"))])
    max_amount = money(_("maximum amount"))
    annual_rate = PercentModelField(
        _("annual interest rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))],
    )
    min_term = models.PositiveSmallIntegerField(
        _("minimum number of instalments"), validators=[MinValueValidator(1)]
    )
    max_term = models.PositiveSmallIntegerField(_("maximum number of instalments"))
    frequency = models.CharField(
        _("repayment frequency"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    grace_periods = models.PositiveSmallIntegerField(
        _("grace period (interest-only instalments)"), default=0, validators=[MaxValueValidator(12)]
    )
    first_due_max_days = models.PositiveSmallIntegerField(
        _("first instalment at most (days after the disbursement)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("A first due date typed at the disbursement must fall within this many days."),
    )
    # Due dates on the circle's meeting rhythm: the first at the first planned meeting at least
    # ``first_due_min_days`` after the disbursement, then one every meeting interval (``loans.schedule``).
    due_dates_follow_meetings = models.BooleanField(
        _("due dates follow the circle's meetings"),
        default=False,
        help_text=_(
            "If so, the first instalment falls at the circle's first planned meeting at least the number of "
            "days below after the disbursement, then one at every meeting interval."
        ),
    )
    first_due_min_days = models.PositiveSmallIntegerField(
        _("first instalment at least (days after the disbursement)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("Used when the due dates follow the circle's meetings."),
    )
    is_active = models.BooleanField(_("offered"), default=True)
    # Restricted funds limited to some products list them here (a fund no product lists finances any).
    funds = models.ManyToManyField(
        FundSource,
        blank=True,
        related_name="products",
        verbose_name=_("restricted funds limited to this product"),
        help_text=_("A fund listed on some products finances only those products."),
    )
    # Hard times: a payment holiday's deferred periods bear interest or not; early settlement waives the
    # interest not yet earned or not.
    holiday_interest_accrues = models.BooleanField(
        _("interest accrues during a payment holiday"),
        default=True,
        help_text=_("If so, the interest of the deferred periods is spread over the instalments after it."),
    )
    settlement_waives_interest = models.BooleanField(
        _("early settlement waives the interest not yet earned"),
        default=True,
        help_text=_("If so, settling early costs the principal left and the interest accrued to that day."),
    )
    # Loan cycles: the most a borrower's first, second, third and later loan may be (empty: the product's
    # maximum), counted from her loans repaid in good standing.
    first_loan_max_amount = money(_("first loan: maximum amount"), null=True, blank=True)
    first_loan_max_term = models.PositiveSmallIntegerField(
        _("first loan: maximum number of instalments"), null=True, blank=True
    )
    second_loan_max_amount = money(_("second loan: maximum amount"), null=True, blank=True)
    second_loan_max_term = models.PositiveSmallIntegerField(
        _("second loan: maximum number of instalments"), null=True, blank=True
    )
    later_loan_max_amount = money(_("third and later loans: maximum amount"), null=True, blank=True)
    later_loan_max_term = models.PositiveSmallIntegerField(
        _("third and later loans: maximum number of instalments"), null=True, blank=True
    )
    good_standing_max_days_late = models.PositiveSmallIntegerField(
        _("good standing: never more than (days late)"),
        default=30,
        validators=[MaxValueValidator(365)],
        help_text=_(
            "A repaid loan opens the next cycle if no instalment was paid more than this many days late."
        ),
    )

    class Meta:
        verbose_name = _("loan product")
        verbose_name_plural = _("loan products")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_amount__gt=0) & Q(max_amount__gte=F("min_amount")),
                name="loans_product_amount_bounds",
                violation_error_message=_("The maximum amount must be at least the minimum amount."),
            ),
            models.CheckConstraint(
                condition=Q(min_term__gte=1) & Q(max_term__gte=F("min_term")),
                name="loans_product_term_bounds",
                violation_error_message=_("The maximum number of instalments must be at least the minimum."),
            ),
            models.CheckConstraint(
                condition=Q(grace_periods__lt=F("min_term")),
                name="loans_product_grace_shorter_than_term",
                violation_error_message=_("The grace period must be shorter than the shortest term."),
            ),
            models.CheckConstraint(condition=Q(annual_rate__gte=0), name="loans_product_rate_positive"),
            models.CheckConstraint(
                condition=Q(frequency__in=Frequency.values), name="loans_product_frequency_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LoanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("In circle review")
    RETURNED = "returned", _("Returned for changes")
    CIRCLE_ACCEPTED = "circle_accepted", _("Accepted by the circle")
    CIRCLE_REFUSED = "circle_refused", _("Refused by the circle")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ACTIVE = "active", _("Disbursed")
    DEFAULTED = "defaulted", _("In default")
    REPAID = "repaid", _("Repaid")
    WRITTEN_OFF = "written_off", _("Written off")


# The status groups, written once: money still owed (open), and every loan whose money went out (disbursed).
OPEN_STATUSES = (LoanStatus.ACTIVE, LoanStatus.DEFAULTED)
DISBURSED_STATUSES = (*OPEN_STATUSES, LoanStatus.REPAID, LoanStatus.WRITTEN_OFF)
# A request is open from its draft until it is disbursed, refused or withdrawn.
OPEN_REQUEST_STATUSES = (
    LoanStatus.DRAFT,
    LoanStatus.SUBMITTED,
    LoanStatus.RETURNED,
    LoanStatus.CIRCLE_ACCEPTED,
    LoanStatus.APPROVED,
)


class GuaranteeType(models.TextChoices):
    CIRCLE = "circle", _("Guaranteed by the circle")
    INDIVIDUAL = "individual", _("Individual responsibility")


class DisbursementMethod(models.TextChoices):
    CHEQUE = "cheque", _("Cheque")
    TRANSFER = "transfer", _("Bank transfer")
    CASH = "cash", _("Cash")


def plan_upload_to(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"loans/plans/{uuid.uuid4().hex}.{extension}"


class Loan(models.Model):
    """A loan request and, once disbursed, the loan itself. Its status changes only through
    ``loans.services``, each change recorded as a ``LoanTransition``."""

    borrower = models.ForeignKey(
        EntrepreneurProfile, on_delete=models.PROTECT, related_name="loans", verbose_name=_("borrower")
    )
    product = models.ForeignKey(
        LoanProduct, on_delete=models.PROTECT, related_name="loans", verbose_name=_("product")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=LoanStatus.choices, default=LoanStatus.DRAFT
    )
    amount = money(_("amount requested"), validators=[MinValueValidator(Decimal("1.00"))])
    term = models.PositiveSmallIntegerField(_("number of instalments"), validators=[MinValueValidator(1)])
    purpose = models.CharField(_("purpose"), max_length=250)
    plan_summary = models.TextField(_("business plan: summary"), blank=True)
    plan_market = models.TextField(_("business plan: market"), blank=True)
    plan_use_of_funds = models.TextField(_("business plan: use of funds"), blank=True)
    plan_projections = models.TextField(_("business plan: projections"), blank=True)
    plan_document = models.FileField(_("business plan document"), upload_to=plan_upload_to, blank=True)
    plan_document_name = models.CharField(_("document name"), max_length=200, blank=True)
    prepared_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("prepared by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    # Circle review: the circle the request went to, the round of review, the decision.
    circle = models.ForeignKey(
        Circle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loans",
        verbose_name=_("circle"),
    )
    review_round = models.PositiveSmallIntegerField(_("review round"), default=0)
    circle_remarks = models.TextField(_("circle's remarks"), blank=True)
    circle_decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("circle decision recorded by"),
    )
    guarantee_type = models.CharField(
        _("guarantee"), max_length=12, choices=GuaranteeType.choices, blank=True
    )

    # Final terms, set at approval (snapshots: a later change of the product does not touch this loan).
    approved_amount = money(_("approved amount"), null=True, blank=True)
    approved_term = models.PositiveSmallIntegerField(
        _("approved number of instalments"), null=True, blank=True
    )
    annual_rate = PercentModelField(
        _("annual interest rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    frequency = models.CharField(
        _("repayment frequency"), max_length=10, choices=Frequency.choices, blank=True
    )
    grace_periods = models.PositiveSmallIntegerField(_("grace period"), null=True, blank=True)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("approved by")
    )

    disbursed_on = BoundedDateField(
        _("disbursement date"), null=True, blank=True, date_kind=DateKind.DISBURSEMENT
    )
    disbursement_method = models.CharField(
        _("disbursement method"), max_length=12, choices=DisbursementMethod.choices, blank=True
    )
    disbursement_reference = models.CharField(_("disbursement reference"), max_length=100, blank=True)
    # The fund the disbursement was charged to: its repayments and losses flow back to that fund. Empty for
    # loans disbursed before the fund ledger (or while the organization has no fund source).
    fund = models.ForeignKey(
        FundSource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loans",
        verbose_name=_("charged to the fund"),
    )

    # The schedule fixed at disbursement follows the circle's meetings (its product's option, when the circle
    # had a meeting rhythm to follow); the frequency is then the circle's rhythm.
    due_dates_on_meetings = models.BooleanField(_("due dates on the circle's meetings"), default=False)

    # Loan cycles: a request above the borrower's cycle maximum needs an advisor's justified exception,
    # which the approver sees.
    cycle_exception_reason = models.TextField(_("exception to the loan cycle: justification"), blank=True)
    cycle_exception_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exception recorded by"),
    )

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-created_at", "-pk"]
        # The loan lists, newest first: one page is an index range, whatever the number of loans. The staff
        # homes count the requests waiting at each step (few, among many repaid loans) by status.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="loans_loan_created_idx"),
            models.Index(fields=["status"], name="loans_loan_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=LoanStatus.values), name="loans_loan_status_valid"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="loans_loan_amount_positive"),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | Q(approved_amount__gt=0, approved_amount__lte=F("amount")),
                name="loans_loan_approved_amount_within_request",
                violation_error_message=_("The approved amount cannot exceed the amount requested."),
            ),
            # A disbursed loan always has its final terms and disbursement date.
            models.CheckConstraint(
                condition=~Q(status__in=["active", "defaulted", "repaid", "written_off"])
                | Q(
                    approved_amount__isnull=False,
                    approved_term__isnull=False,
                    annual_rate__isnull=False,
                    disbursed_on__isnull=False,
                ),
                name="loans_loan_disbursed_has_terms",
            ),
            models.CheckConstraint(
                condition=Q(guarantee_type="") | Q(guarantee_type__in=GuaranteeType.values),
                name="loans_loan_guarantee_valid",
            ),
        ]

    def __str__(self) -> str:
        return _("Loan #%(number)s · %(borrower)s") % {"number": self.pk, "borrower": self.borrower}

    @property
    def final_amount(self) -> Decimal:
        return self.approved_amount if self.approved_amount is not None else self.amount

    @property
    def is_disbursed(self) -> bool:
        return self.status in DISBURSED_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in (LoanStatus.DRAFT, LoanStatus.RETURNED)


class LoanTransition(StatusChange):
    """Every change of a loan's status: who, when, from, to, why (``microcredit/core/state.py``). A
    restructuring keeps the status: its row moves a loan to the status it has."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="transitions", verbose_name=_("loan")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=LoanStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=LoanStatus.choices)
    changed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    # Shown to staff on the loan's page and timeline; in the borrower's complete file (not a coaching note).
    note = models.TextField(_("reason"), blank=True)

    class Meta(StatusChange.Meta):
        verbose_name = _("loan transition")
        verbose_name_plural = _("loan history")

    def __str__(self) -> str:
        return f"{self.loan_id}: {self.from_status} → {self.to_status}"


class Vote(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstain")


class CircleVote(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="votes", verbose_name=_("loan"))
    review_round = models.PositiveSmallIntegerField(_("review round"))
    member = models.ForeignKey(
        EntrepreneurProfile, on_delete=models.PROTECT, related_name="circle_votes", verbose_name=_("member")
    )
    vote = models.CharField(_("vote"), max_length=10, choices=Vote.choices)
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("circle vote")
        verbose_name_plural = _("circle votes")
        ordering = ["loan", "review_round", "member__user__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "review_round", "member"], name="loans_one_vote_per_member_and_round"
            ),
            models.CheckConstraint(condition=Q(vote__in=Vote.values), name="loans_vote_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_vote_display()}"


class Guarantor(models.Model):
    """A circle member who stood behind a loan guaranteed by the circle."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="guarantors", verbose_name=_("loan")
    )
    member = models.ForeignKey(
        EntrepreneurProfile, on_delete=models.PROTECT, related_name="guarantees", verbose_name=_("member")
    )

    class Meta:
        verbose_name = _("guarantor")
        verbose_name_plural = _("guarantors")
        constraints = [models.UniqueConstraint(fields=["loan", "member"], name="loans_guarantor_once")]

    def __str__(self) -> str:
        return str(self.member)


class InstalmentQuerySet(models.QuerySet):
    def unpaid_as_of(self, as_of: datetime.date) -> "InstalmentQuerySet":
        """The instalments not fully paid as of ``as_of``: fallen due on or before it, and not completed by
        a payment dated on or before it (``settled_on``). The ORM form of the one definition of "unpaid as
        of a date" (``loans.portfolio.unsettled_q``), behind days past due and the loan lists and drill-down
        (``loans.selectors``); the board's report reads the SQL form (``loans.portfolio.book_sql``)."""
        from loans.portfolio import unsettled_q

        return self.filter(due_date__lte=as_of).filter(unsettled_q(as_of))


class Instalment(models.Model):
    """One line of the schedule, fixed at disbursement. What was paid comes from the allocations."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="instalments", verbose_name=_("loan")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = BoundedDateField(_("due date"), date_kind=DateKind.ANY)
    principal_due = money(_("principal"))
    interest_due = money(_("interest"))
    # Derived: the date of the payment that completed this instalment under the current allocation (None
    # while something is owed on it); kept by ``reallocate``. Fully paid as of D exactly when settled_on <= D.
    settled_on = models.DateField(_("settled on"), null=True, blank=True, editable=False)

    objects = InstalmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["loan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="loans_instalment_number_unique"),
            models.CheckConstraint(
                condition=Q(principal_due__gte=0, interest_due__gte=0),
                name="loans_instalment_amounts_positive",
            ),
        ]
        # (due_date, id): the daily reminder scan pages through each due date in id order.
        indexes = [
            models.Index(fields=["due_date", "id"], name="loans_instalment_due_id_idx"),
            # The report's "oldest unpaid instalment": the few unsettled ones, and those settled after a date.
            models.Index(
                fields=["due_date"],
                condition=Q(settled_on__isnull=True),
                name="loans_instalment_unsettled_idx",
            ),
            models.Index(fields=["settled_on"], name="loans_instalment_settled_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} #{self.number}"

    @property
    def total_due(self) -> Decimal:
        return self.principal_due + self.interest_due


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    TRANSFER = "transfer", _("Transfer")
    PAD = "pad", _("Pre-authorized debit")


class Payment(models.Model):
    """A repayment as received. Never edited or deleted: a mistake is reversed (PaymentReversal)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="payments", verbose_name=_("loan"))
    paid_on = BoundedDateField(_("date"), date_kind=DateKind.PAST)
    amount = money(_("amount"))
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    payer = models.ForeignKey(
        EntrepreneurProfile,
        on_delete=models.PROTECT,
        related_name="payments_made",
        verbose_name=_("paid by"),
        help_text=_("The borrower, or a circle member honouring the guarantee."),
    )
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    # Collected at a circle meeting (its record screen): the meeting page shows what was collected.
    meeting = models.ForeignKey(
        "circles.Meeting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("collected at the meeting"),
    )
    # The form carries a one-time key: submitting the same form twice records one payment.
    submission_key = models.UUIDField(_("submission key"), unique=True, default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="loans_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(method__in=PaymentMethod.values), name="loans_payment_method_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} · {self.paid_on:%Y-%m-%d} · {format_money(self.amount)}"


class PaymentReversal(models.Model):
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="reversal", verbose_name=_("payment")
    )
    reason = models.CharField(_("reason"), max_length=250)
    reversed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("reversed by")
    )
    reversed_at = models.DateTimeField(_("reversed"), default=timezone.now)

    class Meta:
        verbose_name = _("payment reversal")
        verbose_name_plural = _("payment reversals")

    def __str__(self) -> str:
        return f"{self.payment} ({self.reason})"


class Allocation(models.Model):
    """How a payment was applied: derived data, rebuilt from the payments whenever they change."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, related_name="allocations")
    interest = money(_("interest"), default=Decimal("0.00"))
    principal = money(_("principal"), default=Decimal("0.00"))
    # Copies of the payment's loan and date, so that "paid by loan as of a date" needs no join.
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="allocations", editable=False)
    paid_on = models.DateField(_("date"), editable=False)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        indexes = [models.Index(fields=["paid_on"], name="loans_allocation_paid_on_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(interest__gte=0, principal__gte=0) & (Q(interest__gt=0) | Q(principal__gt=0)),
                name="loans_allocation_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.instalment_id}"


class CallOutcome(models.TextChoices):
    MEMBERS_CONTRIBUTED = "members_contributed", _("Members contributed")
    RESCHEDULED = "rescheduled", _("Loan rescheduled")
    BORROWER_CAUGHT_UP = "caught_up", _("Borrower caught up")
    WRITTEN_OFF = "written_off", _("Written off")
    OTHER = "other", _("Other")


class GuaranteeCall(models.Model):
    """The circle is called on to stand by its guarantee of a loan in default."""

    circle = models.ForeignKey(
        Circle, on_delete=models.PROTECT, related_name="guarantee_calls", verbose_name=_("circle")
    )
    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="guarantee_calls", verbose_name=_("loan")
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=CallOutcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("resolved by")
    )
    advisor_notified_at = models.DateTimeField(_("advisor notified"), null=True, blank=True, editable=False)
    # A loan that catches up and falls into default again while its call is open stays on that call (the
    # circle is already called on for it): the times it went into default, and when it last did again.
    defaults = models.PositiveSmallIntegerField(_("times in default"), default=1, editable=False)
    last_defaulted_at = models.DateTimeField(_("in default again"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("guarantee call")
        verbose_name_plural = _("guarantee calls")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"], condition=Q(resolved_at__isnull=True), name="loans_one_open_call_per_loan"
            ),
            models.CheckConstraint(
                condition=(Q(resolved_at__isnull=True) & Q(outcome=""))
                | (Q(resolved_at__isnull=False) & ~Q(outcome="")),
                name="loans_call_resolution_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.circle} · {self.loan}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class LoanPosition(models.Model):
    """Derived: one narrow row per disbursed loan for the board's report, amounts in cents. Integers are exact
    and PostgreSQL sums them an order of magnitude faster than decimals; the row holds only what the report
    reads, so scanning 100,000 of them costs little. Created at disbursement, changed with each rebuilt
    allocation and at write-off (``loans.services.ledger``, in the same transaction); ``manage.py
    rebuild_ledger`` recomputes them from the ledger."""

    loan = models.OneToOneField(
        Loan, on_delete=models.CASCADE, primary_key=True, related_name="position", verbose_name=_("loan")
    )
    borrower = models.ForeignKey(EntrepreneurProfile, on_delete=models.CASCADE, related_name="+")
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    product = models.ForeignKey(LoanProduct, on_delete=models.CASCADE, related_name="+")
    guaranteed = models.BooleanField(_("guaranteed by the circle"))
    # The fund the disbursement was charged to (``Loan.fund``, fixed then): the fund ledgers and the loan-loss
    # reserve group the report's book by it without reading the loans.
    fund = models.ForeignKey(
        FundSource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("charged to the fund"),
    )
    disbursed_on = BoundedDateField(_("disbursement date"), date_kind=DateKind.DISBURSEMENT)
    lent_cents = models.BigIntegerField(_("amount lent (cents)"))
    # What the whole schedule asks, principal and interest (fixed at disbursement): owed = scheduled - paid.
    scheduled_cents = models.BigIntegerField(_("scheduled (cents)"), default=0)
    principal_paid_cents = models.BigIntegerField(_("principal paid (cents)"), default=0)
    interest_paid_cents = models.BigIntegerField(_("interest paid (cents)"), default=0)
    written_off_at = models.DateTimeField(_("written off"), null=True, blank=True)
    # The day of the loan's latest approved restructuring (None if never): the board sees these apart.
    restructured_on = BoundedDateField(_("restructured on"), null=True, blank=True, date_kind=DateKind.ANY)
    # The due date of the oldest instalment not fully paid (None when all are): how late the loan is today.
    first_unsettled_due = BoundedDateField(
        _("oldest unpaid due date"), null=True, blank=True, date_kind=DateKind.ANY
    )

    class Meta:
        verbose_name = _("loan position")
        verbose_name_plural = _("loan positions")
        indexes = [
            models.Index(fields=["disbursed_on"], name="loans_position_disbursed_idx"),
            # The arrears list and counts: the loans whose oldest unpaid instalment fell due before today.
            models.Index(fields=["first_unsettled_due"], name="loans_position_unsettled_idx"),
            models.Index(
                fields=["written_off_at"],
                condition=Q(written_off_at__isnull=False),
                name="loans_position_written_off_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lent_cents__gt=0, principal_paid_cents__gte=0, interest_paid_cents__gte=0)
                & Q(principal_paid_cents__lte=F("lent_cents")),
                name="loans_loanposition_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.loan_id)


class PortfolioDay(models.Model):
    """Derived: the portfolio's flows of one day by loan product, in cents: what fell due, what was collected,
    what was disbursed that day. Any period of the report sums a few thousand of these (ten years of five
    products: 18,000 at most) instead of a million instalments. Kept in the transaction of each change by
    ``loans.services.ledger``; ``manage.py rebuild_ledger`` recomputes them from the ledger."""

    day = BoundedDateField(_("day"), date_kind=DateKind.ANY)
    # A plain key, not a foreign key: the row is derived data.
    product_key = models.BigIntegerField(_("product"))
    due_cents = models.BigIntegerField(_("due (cents)"), default=0)
    collected_cents = models.BigIntegerField(_("collected (cents)"), default=0)
    principal_collected_cents = models.BigIntegerField(_("principal collected (cents)"), default=0)
    disbursed_count = models.IntegerField(_("loans disbursed"), default=0)
    disbursed_cents = models.BigIntegerField(_("amount disbursed (cents)"), default=0)

    class Meta:
        verbose_name = _("portfolio day")
        verbose_name_plural = _("portfolio days")
        constraints = [
            models.UniqueConstraint(fields=["day", "product_key"], name="loans_portfolioday_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} · {self.product_key}"


class PositionMonth(models.Model):
    """Derived: a month end whose positions were taken (``PositionSnapshot``), so that the board's report as
    of a past date reads that picture instead of every payment since. Added once the month is over
    (``loans.services.ledger.snapshot_closed_months``, daily); a month end without one is read from the
    ledger (slower, same figures)."""

    month_end = BoundedDateField(_("month end"), unique=True, date_kind=DateKind.ANY)
    taken_at = models.DateTimeField(_("taken"), default=timezone.now)

    class Meta:
        verbose_name = _("month of positions")
        verbose_name_plural = _("months of positions")

    def __str__(self) -> str:
        return str(self.month_end)


class PositionSnapshot(models.Model):
    """Derived: a loan's position at a month end (``PositionMonth``), in cents: the principal paid by
    payments dated on or before it and the oldest due date not fully paid as of it. Only the loans disbursed
    by then and not repaid as of then have a row (no row: repaid). Kept by ``loans.services.ledger`` in the
    transaction of each change (a payment backdated into a past month rewrites the loan's rows from that
    month on); ``manage.py rebuild_ledger`` recomputes them."""

    month_end = BoundedDateField(_("month end"), date_kind=DateKind.ANY)
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="+", verbose_name=_("loan"))
    principal_paid_cents = models.BigIntegerField(_("principal paid (cents)"))
    first_unsettled_due = BoundedDateField(
        _("oldest unpaid due date"), null=True, blank=True, date_kind=DateKind.ANY
    )

    class Meta:
        verbose_name = _("monthly loan position")
        verbose_name_plural = _("monthly loan positions")
        constraints = [
            models.UniqueConstraint(fields=["month_end", "loan"], name="loans_positionsnapshot_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.month_end} · {self.loan_id}"


class MonthFigures(models.Model):
    """Derived: figures of the portfolio as of a month end whose positions were taken (``PositionMonth``),
    computed once from the ledger and kept, so that the board's report as of a closed month reads a row
    instead of the loans (``loans.month_figures``): ``figures`` holds the value (JSON) of the computation
    ``name`` with ``parameters``; ``key`` is a hash of both and of the settings the computation reads.
    Forgotten by ``loans.services.ledger`` in the transaction of any change dated on or before the month
    end (a backdated payment, a restructuring, a write-off...), by a circle's change of advisor or network,
    by ``rebuild_ledger`` and at every ``migrate``; computed again at the next read."""

    month_end = BoundedDateField(_("month end"), date_kind=DateKind.ANY)
    key = models.CharField(_("key"), max_length=64)
    name = models.CharField(_("computation"), max_length=50)
    parameters = models.JSONField(_("parameters"))
    figures = models.JSONField(_("figures"))
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        verbose_name = _("figures of a month")
        verbose_name_plural = _("figures of months")
        constraints = [
            models.UniqueConstraint(fields=["month_end", "key"], name="loans_monthfigures_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.month_end} · {self.key[:8]}"


class ArrearsTally(models.Model):
    """Derived: what a disbursed loan is counted under in the arrears counters (``ArrearsCount``): the
    advisors whose "my loans" it is (its circle's and its borrower's, 0 for none) and, while it is open, the
    due date of its oldest unpaid instalment (None when it is closed or nothing is unpaid). Kept by
    ``loans.services.arrears_counts`` in the transaction of each change; ``rebuild_ledger`` recomputes it."""

    loan = models.OneToOneField(
        Loan, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("loan")
    )
    circle_advisor_key = models.BigIntegerField(_("circle's advisor"), default=0)
    borrower_advisor_key = models.BigIntegerField(_("borrower's advisor"), default=0)
    unsettled_due = BoundedDateField(
        _("oldest unpaid due date"), null=True, blank=True, date_kind=DateKind.ANY
    )

    class Meta:
        verbose_name = _("arrears tally")
        verbose_name_plural = _("arrears tallies")

    def __str__(self) -> str:
        return str(self.loan_id)


class ArrearsCount(models.Model):
    """Derived: how many open loans have their oldest unpaid instalment due on ``day``, for the whole
    organization (``advisor_key`` 0) and for each advisor's loans (their circles' and their caseload's, each
    loan once). The loans late as of today are the sum over the days before today: the homes read a few
    hundred rows, whatever the portfolio. Kept with ``ArrearsTally``."""

    advisor_key = models.BigIntegerField(_("advisor"))
    day = BoundedDateField(_("day"), date_kind=DateKind.ANY)
    count = models.IntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("arrears count")
        verbose_name_plural = _("arrears counts")
        constraints = [
            models.UniqueConstraint(fields=["advisor_key", "day"], name="loans_arrearscount_unique")
        ]

    def __str__(self) -> str:
        return f"{self.advisor_key} · {self.day}"


class ScheduleVersion(models.Model):
    """A schedule as it stood before a restructuring or an early settlement replaced its unpaid part: kept
    readable on the loan page. Version 1 is the schedule set at disbursement; the live schedule is always the
    ``Instalment`` rows (the instalments paid in full when it was replaced, ``kept``, never change)."""

    class Reason(models.TextChoices):
        RESTRUCTURING = "restructuring", _("Restructuring")
        SETTLEMENT = "settlement", _("Early settlement")

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="schedule_versions", verbose_name=_("loan")
    )
    number = models.PositiveSmallIntegerField(_("version"))
    replaced_on = BoundedDateField(_("replaced on"), date_kind=DateKind.ANY)
    reason = models.CharField(_("replaced by"), max_length=20, choices=Reason.choices)
    kept = models.PositiveSmallIntegerField(_("instalments paid in full and kept"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("schedule version")
        verbose_name_plural = _("schedule versions")
        ordering = ["loan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="loans_schedule_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} v{self.number}"


class ScheduleVersionLine(models.Model):
    version = models.ForeignKey(
        ScheduleVersion, on_delete=models.CASCADE, related_name="lines", verbose_name=_("version")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = BoundedDateField(_("due date"), date_kind=DateKind.ANY)
    principal_due = money(_("principal"))
    interest_due = money(_("interest"))
    paid = money(_("paid"), default=Decimal("0.00"))

    class Meta:
        verbose_name = _("schedule version line")
        verbose_name_plural = _("schedule version lines")
        ordering = ["version", "number"]

    def __str__(self) -> str:
        return f"{self.version} #{self.number}"

    @property
    def total_due(self) -> Decimal:
        return self.principal_due + self.interest_due


class RestructuringKind(models.TextChoices):
    HOLIDAY = "holiday", _("Payment holiday")
    LONGER_TERM = "longer_term", _("Longer term")
    LOWER_INSTALMENT = "lower_instalment", _("Lower instalment")
    SPREAD_ARREARS = "spread_arrears", _("Arrears spread over the remaining instalments")


class RestructuringStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class CircleOpinion(models.TextChoices):
    AGREES = "agrees", _("The circle agrees")
    OBJECTS = "objects", _("The circle objects")


class Restructuring(models.Model):
    """An advisor's proposal to change the schedule of a loan in difficulty, decided by another person (a
    coordinator: four eyes). Approved, it replaces the unpaid part of the schedule (``ScheduleVersion``)."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="restructurings", verbose_name=_("loan")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RestructuringKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RestructuringStatus.choices, default=RestructuringStatus.PROPOSED
    )
    reason = models.TextField(_("reason"))
    holiday_periods = models.PositiveSmallIntegerField(
        _("instalments deferred"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    new_term = models.PositiveSmallIntegerField(
        _("instalments left after the change"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    new_instalment = money(_("new instalment"), null=True, blank=True)
    proposed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_on = BoundedDateField(_("restructured on"), null=True, blank=True, date_kind=DateKind.ANY)
    decision_note = models.TextField(_("decision note"), blank=True)
    # A circle-guaranteed loan: the meeting where the circle was informed, and its opinion.
    circle_meeting = models.ForeignKey(
        "circles.Meeting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("circle meeting"),
    )
    circle_opinion = models.CharField(
        _("the circle's decision"), max_length=10, choices=CircleOpinion.choices, blank=True
    )
    version = models.OneToOneField(
        ScheduleVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="restructuring",
        verbose_name=_("schedule replaced"),
    )

    class Meta:
        verbose_name = _("restructuring")
        verbose_name_plural = _("restructurings")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"], condition=Q(status="proposed"), name="loans_one_open_restructuring"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RestructuringKind.values), name="loans_restructuring_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RestructuringStatus.values), name="loans_restructuring_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} · {self.get_kind_display()} · {self.get_status_display()}"


class Settlement(models.Model):
    """An early settlement: the payment that closed the loan, and the interest not yet earned it waived.
    Reversing the payment puts back the schedule it replaced (``version``)."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="settlements", verbose_name=_("loan")
    )
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="settlement", verbose_name=_("payment")
    )
    settled_on = BoundedDateField(_("settled on"), date_kind=DateKind.PAST)
    interest_accrued = money(_("interest accrued"))
    interest_waived = money(_("interest waived"))
    version = models.OneToOneField(
        ScheduleVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settlement",
        verbose_name=_("schedule replaced"),
    )

    class Meta:
        verbose_name = _("early settlement")
        verbose_name_plural = _("early settlements")

    def __str__(self) -> str:
        return f"{self.loan_id} · {self.settled_on}"


class GuaranteedLoan(Loan):
    """A loan as one of its guarantors reads it: the same row, its own access policy
    (``loans.permissions``). A guarantor sees what she stands behind (status, amount, next due, arrears)
    through this model only; the loan's own policy, its payments and documents stay closed to her."""

    class Meta:
        proxy = True
        verbose_name = _("guaranteed loan")
        verbose_name_plural = _("guaranteed loans")


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", pgettext_lazy("reminder status", "Sent")
    NOT_EMAILED = "not_emailed", _("Not emailed (shown on her home page)")
    FAILED = "failed", _("Failed")


class NoticeKind(models.TextChoices):
    OPENED = "opened", _("The call opened")
    CLOSED = "closed", _("The call closed")


class GuaranteeCallNotice(SendOnce):
    """One guarantor told that a guarantee call opened on a loan she stands behind, or that it closed by
    itself once the loan was no longer late (``kind``). The row is created with the call, or with its closing
    (one per guarantor and kind, a unique constraint), and claimed by the sending task
    (``microcredit/core/jobs.py``), so a task run twice sends one email."""

    call = models.ForeignKey(
        GuaranteeCall, on_delete=models.CASCADE, related_name="notices", verbose_name=_("guarantee call")
    )
    member = models.ForeignKey(
        EntrepreneurProfile, on_delete=models.PROTECT, related_name="+", verbose_name=_("guarantor")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.PENDING
    )
    sent_at = models.DateTimeField(_("emailed"), null=True, blank=True, editable=False)
    kind = models.CharField(
        _("notice"), max_length=8, choices=NoticeKind.choices, default=NoticeKind.OPENED, editable=False
    )

    class Meta:
        verbose_name = _("guarantee call notice")
        verbose_name_plural = _("guarantee call notices")
        constraints = [
            models.UniqueConstraint(fields=["call", "member", "kind"], name="loans_call_notice_once"),
            models.CheckConstraint(
                condition=Q(status__in=NoticeStatus.values), name="loans_call_notice_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} → {self.member_id}"
