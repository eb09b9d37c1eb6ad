"""The loan fund's sources (community capital), the money each one paid in and what was paid back to it.

What was *lent* from a fund, repaid by borrowers and written off is not kept here: each disbursed loan points
to the fund it was charged to (``loans.Loan.fund``) and those figures are read from the loans' ledger, so
nothing is booked twice.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from microcredit.accounts.models import Language
from microcredit.core.bilingual import FrenchInPlainColumn
from microcredit.core.dates import BoundedDateField, DateKind
from microcredit.core.money_fields import MoneyModelField
from microcredit.core.percent_fields import PercentModelField


class FundSourceKind(models.TextChoices):
    INVESTOR = "investor", _("Investor")
    FUND = "fund", _("Fund")
    FOUNDATION = "foundation", _("Foundation")
    GOVERNMENT = "government", _("Government")
    OWN = "own", _("Organization's own fund")
    OTHER = "other", _("Other")


class Population(models.TextChoices):
    """Target populations a restricted fund may be reserved for (read from consented answers only)."""

    WOMEN = "women", _("Women")
    IMMIGRANTS = "immigrants", _("Immigrants")
    ANGLOPHONES = "anglophones", _("Anglophones")
    YOUTH = "youth", _("Youth under 35")
    DISABILITY = "disability", _("People living with a disability")
    SOCIAL_ASSISTANCE = "social_assistance", _("Social assistance")
    NO_INCOME = "no_income", _("No income")


class FundSource(FrenchInPlainColumn, models.Model):
    """A socially responsible investment or fund committed to the loan fund (or the organization's own)."""

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=FundSourceKind.choices)
    amount_committed = MoneyModelField(_("amount committed"))
    committed_on = BoundedDateField(_("committed on"), date_kind=DateKind.ANY)
    terms = models.TextField(_("terms"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    language = models.CharField(
        _("language of its statements"), max_length=5, choices=Language.choices, default=Language.FRENCH
    )
    # Terms of repayment to the funder.
    annual_return_rate = PercentModelField(
        _("annual return owed (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text=_("Simple interest on the capital received and not yet repaid; 0 for patient capital."),
    )
    repayable_on = BoundedDateField(_("capital repayable on"), date_kind=DateKind.ANY, null=True, blank=True)
    bears_losses = models.BooleanField(
        _("bears its share of losses"),
        default=False,
        help_text=_(
            "The capital owed back is reduced by the principal written off on the loans it financed."
        ),
    )
    # Eligibility rules of a restricted fund (empty: no restriction).
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    postal_prefixes = models.CharField(
        _("region (postal code prefixes)"),
        max_length=200,
        blank=True,
        help_text=_("Separated by commas, e.g. “H1, H2X”. Empty: every region."),
    )
    population = models.CharField(
        _("target population"), max_length=20, choices=Population.choices, blank=True
    )
    max_per_loan = MoneyModelField(_("maximum per loan"), null=True, blank=True)

    class Meta:
        db_table = "reports_fundsource"  # the table kept from when the model lived in the reports app
        verbose_name = _("fund source")
        verbose_name_plural = _("fund sources")
        ordering = ["committed_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_committed__gt=0), name="reports_fund_amount_positive"),
            models.CheckConstraint(condition=Q(kind__in=FundSourceKind.values), name="funds_fund_kind_valid"),
            models.CheckConstraint(condition=Q(annual_return_rate__gte=0), name="funds_fund_rate_positive"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="funds_fund_age_band",
            ),
            models.CheckConstraint(
                condition=Q(max_per_loan__isnull=True) | Q(max_per_loan__gt=0), name="funds_fund_max_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prefixes(self) -> list[str]:
        return [p.strip().upper().replace(" ", "") for p in self.postal_prefixes.split(",") if p.strip()]

    @property
    def is_restricted(self) -> bool:
        return bool(
            self.min_age is not None
            or self.max_age is not None
            or self.prefixes
            or self.population
            or self.max_per_loan is not None
        )


class Tranche(models.Model):
    """Money a fund source paid in, on a date."""

    fund = models.ForeignKey(
        FundSource, on_delete=models.PROTECT, related_name="tranches", verbose_name=_("fund source")
    )
    received_on = BoundedDateField(_("received on"), date_kind=DateKind.PAST)
    amount = MoneyModelField(_("amount received"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("tranche received")
        verbose_name_plural = _("tranches received")
        ordering = ["received_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="funds_tranche_positive")]

    def __str__(self) -> str:
        return f"{self.fund} {self.received_on}"


class FunderRepayment(models.Model):
    """Money paid back to a fund source: capital, and the return its terms give it."""

    fund = models.ForeignKey(
        FundSource, on_delete=models.PROTECT, related_name="repayments", verbose_name=_("fund source")
    )
    paid_on = BoundedDateField(_("paid on"), date_kind=DateKind.PAST)
    capital = MoneyModelField(_("capital repaid"), default=0)
    interest = MoneyModelField(_("return paid"), default=0)
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("repayment to the funder")
        verbose_name_plural = _("repayments to the funder")
        ordering = ["paid_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capital__gte=0) & Q(interest__gte=0) & (Q(capital__gt=0) | Q(interest__gt=0)),
                name="funds_repayment_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.fund} {self.paid_on}"
