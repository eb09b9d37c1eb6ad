"""The loan fund's sources: the community capital the organization lends and must account for."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from microcredit.core.dates import BoundedDateField, DateKind
from microcredit.core.money_fields import MoneyModelField


class FundSourceKind(models.TextChoices):
    INVESTOR = "investor", _("Investor")
    FUND = "fund", _("Fund")
    FOUNDATION = "foundation", _("Foundation")
    GOVERNMENT = "government", _("Government")
    OTHER = "other", _("Other")


class FundSource(models.Model):
    """A socially responsible investment or fund committed to the loan fund."""

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=FundSourceKind.choices)
    amount_committed = MoneyModelField(_("amount committed"))
    committed_on = BoundedDateField(_("committed on"), date_kind=DateKind.ANY)
    terms = models.TextField(_("terms"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("fund source")
        verbose_name_plural = _("fund sources")
        ordering = ["committed_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_committed__gt=0), name="reports_fund_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=FundSourceKind.values), name="reports_fund_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name
