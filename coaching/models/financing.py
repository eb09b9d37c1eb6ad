"""Financing support beyond the organization's own loans: introductions to financial institutions and
grant applications. Tracked as support given, never as loans of the organization."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.models.choices import (
    FINANCING_CLOSED,
    FINANCING_DECIDED,
    FINANCING_STATES,
    FinancingKind,
    FinancingStatus,
)
from coaching.models.fields import author_field
from coaching.models.partners import Partner
from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core.dates import BoundedDateField, DateKind
from microcredit.core.money_fields import MoneyModelField
from microcredit.core.state import StatusChange

_SUBMITTED = (FinancingStatus.SUBMITTED, *FINANCING_DECIDED)


class FinancingApplication(models.Model):
    profile = models.ForeignKey(
        EntrepreneurProfile,
        on_delete=models.CASCADE,
        related_name="financing_applications",
        verbose_name=_("entrepreneur"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FinancingKind.choices)
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="financing_applications",
        verbose_name=_("organization"),
        help_text=_("The financial institution or the organization running the program."),
    )
    program = models.CharField(_("program or product"), max_length=150)
    amount_requested = MoneyModelField(
        _("amount requested (CAD)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    status = models.CharField(
        _("status"), max_length=20, choices=FinancingStatus.choices, default=FinancingStatus.PREPARING
    )
    amount_obtained = MoneyModelField(
        _("amount obtained (CAD)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    started_on = BoundedDateField(_("started"), default=timezone.localdate, date_kind=DateKind.PAST)
    submitted_on = BoundedDateField(_("submitted"), null=True, blank=True, date_kind=DateKind.PAST)
    decided_on = BoundedDateField(_("decided"), null=True, blank=True, date_kind=DateKind.PAST)
    created_by = author_field(_("recorded by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("financing application")
        verbose_name_plural = _("financing applications")
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=FinancingKind.values), name="coaching_financing_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=FinancingStatus.values), name="coaching_financing_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(amount_requested__isnull=True) | Q(amount_requested__gt=0),
                name="coaching_financing_requested_positive",
                violation_error_message=_("The amount requested must be more than zero."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=FinancingKind.GRANT) | Q(amount_requested__isnull=False),
                name="coaching_financing_grant_has_amount",
                violation_error_message=_("Enter the amount requested in the grant application."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=FinancingKind.INTRODUCTION) | Q(partner__isnull=False),
                name="coaching_financing_introduction_has_partner",
                violation_error_message=_("Choose the financial institution of the introduction."),
            ),
            # An amount obtained exists exactly when the application was approved.
            models.CheckConstraint(
                condition=Q(
                    status=FinancingStatus.APPROVED, amount_obtained__isnull=False, amount_obtained__gte=0
                )
                | (~Q(status=FinancingStatus.APPROVED) & Q(amount_obtained__isnull=True)),
                name="coaching_financing_obtained_iff_approved",
                violation_error_message=_("Enter the amount obtained when, and only when, it is approved."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=_SUBMITTED) | Q(submitted_on__isnull=False),
                name="coaching_financing_submitted_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=FINANCING_DECIDED) | Q(decided_on__isnull=False),
                name="coaching_financing_decided_has_date",
            ),
            models.CheckConstraint(
                condition=Q(submitted_on__isnull=True) | Q(submitted_on__gte=F("started_on")),
                name="coaching_financing_submitted_after_start",
                violation_error_message=_("An application cannot be submitted before it was started."),
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True)
                | Q(submitted_on__isnull=True)
                | Q(decided_on__gte=F("submitted_on")),
                name="coaching_financing_decided_after_submitted",
                violation_error_message=_("A decision cannot come before the application was submitted."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} · {self.program}"

    @property
    def is_open(self) -> bool:
        return self.status not in FINANCING_CLOSED

    @property
    def next_statuses(self) -> list[str]:
        return FINANCING_STATES.next_statuses(self.status)


class FinancingStatusChange(StatusChange):
    """History of a financing application: one row per status, the first when it is recorded."""

    application = models.ForeignKey(
        FinancingApplication,
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("financing application"),
    )
    from_status = models.CharField(
        _("previous status"), max_length=20, choices=FinancingStatus.choices, blank=True
    )
    to_status = models.CharField(_("new status"), max_length=20, choices=FinancingStatus.choices)

    class Meta(StatusChange.Meta):
        verbose_name = _("financing status change")
        verbose_name_plural = _("financing status changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(to_status__in=FinancingStatus.values)
                & (Q(from_status="") | Q(from_status__in=FinancingStatus.values)),
                name="coaching_financing_change_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(from_status=F("to_status")), name="coaching_financing_change_moves"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.from_status or '—'} → {self.to_status}"
