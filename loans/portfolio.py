"""Aggregate figures of the loan portfolio, for the board's report: counts and amounts, never a person.

- Outstanding principal: what was lent less the principal repaid (from the allocations, not a stored
  balance), over the open loans (disbursed and not closed: active or in default).
- PAR30: outstanding principal of the open loans whose oldest unpaid instalment is more than 30 days late,
  divided by the outstanding principal of all open loans.
- Written off: the principal still outstanding on the written-off loans.
- Counts under 5 are shown as "<5" (``microcredit.core.selectors.SMALL_COUNT``).

One pass over the disbursed loans, streamed (``iterator``): memory does not grow with the portfolio.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from loans.models import Allocation, GuaranteeType, Instalment, Loan, LoanStatus
from loans.selectors import MONEY, OPEN_STATUSES
from microcredit.core.money import ZERO
from microcredit.core.selectors import SMALL_COUNT

DISBURSED_STATUSES = (LoanStatus.ACTIVE, LoanStatus.DEFAULTED, LoanStatus.REPAID, LoanStatus.WRITTEN_OFF)
PAR_DAYS = 30


@dataclass
class Row:
    label: str
    count: int = 0
    amount: Decimal = ZERO  # lent
    outstanding: Decimal = ZERO

    @property
    def count_display(self) -> str:
        return f"<{SMALL_COUNT}" if 0 < self.count < SMALL_COUNT else str(self.count)

    def add(self, amount: Decimal, outstanding: Decimal) -> None:
        self.count += 1
        self.amount += amount
        self.outstanding += outstanding


@dataclass
class Portfolio:
    as_of: datetime.date
    disbursed: Row = field(default_factory=lambda: Row(""))
    disbursed_this_year: Row = field(default_factory=lambda: Row(""))
    open: Row = field(default_factory=lambda: Row(""))
    repaid: Row = field(default_factory=lambda: Row(""))
    written_off: Row = field(default_factory=lambda: Row(""))
    at_risk: Row = field(default_factory=lambda: Row(""))
    principal_repaid: Decimal = ZERO
    interest_received: Decimal = ZERO
    by_status: list[Row] = field(default_factory=list)
    by_guarantee: list[Row] = field(default_factory=list)
    by_age: list[Row] = field(default_factory=list)
    by_product: list[Row] = field(default_factory=list)
    by_year: list[Row] = field(default_factory=list)

    @property
    def par30(self) -> Decimal | None:
        """Percent, to one decimal; None when nothing is outstanding."""
        if not self.open.outstanding:
            return None
        return (100 * self.at_risk.outstanding / self.open.outstanding).quantize(Decimal("0.1"))


def _age_bucket(days_late: int) -> int:
    for index, limit in enumerate((0, 30, 90)):
        if days_late <= limit:
            return index
    return 3


def _loans(as_of: datetime.date):
    principal_paid = Subquery(
        Allocation.objects.filter(instalment__loan=OuterRef("pk"))
        .values("instalment__loan")
        .annotate(total=Sum("principal"))
        .values("total")[:1],
        output_field=MONEY,
    )
    oldest_unpaid = (
        Instalment.objects.filter(loan=OuterRef("pk"), due_date__lte=as_of)
        .annotate(paid=Coalesce(Sum(F("allocations__principal") + F("allocations__interest")), Value(ZERO)))
        .filter(paid__lt=F("principal_due") + F("interest_due"))
        .order_by("due_date")
        .values("due_date")[:1]
    )
    return (
        Loan.objects.filter(status__in=DISBURSED_STATUSES, disbursed_on__lte=as_of)
        .annotate(
            principal_paid=Coalesce(principal_paid, Value(ZERO), output_field=MONEY),
            oldest_unpaid=Subquery(oldest_unpaid),
        )
        .values_list(
            "status",
            "guarantee_type",
            "approved_amount",
            "disbursed_on",
            "principal_paid",
            "oldest_unpaid",
            "product__name",
        )
        .order_by()
        .iterator(chunk_size=2000)
    )


def portfolio_figures(as_of: datetime.date) -> Portfolio:
    portfolio = Portfolio(as_of=as_of)
    statuses = {status: Row(str(LoanStatus(status).label)) for status in DISBURSED_STATUSES}
    guarantees = {kind: Row(str(label)) for kind, label in GuaranteeType.choices}
    ages = [Row(_("Up to date")), Row(_("1 to 30 days late")), Row(_("31 to 90 days late"))]
    ages.append(Row(_("More than 90 days late")))
    products: dict[str, Row] = {}
    years: dict[int, Row] = defaultdict(lambda: Row(""))
    for status, guarantee, amount, disbursed_on, principal_paid, oldest_unpaid, product in _loans(as_of):
        outstanding = amount - principal_paid
        is_open = status in OPEN_STATUSES
        open_outstanding = outstanding if is_open else ZERO
        portfolio.disbursed.add(amount, open_outstanding)
        portfolio.principal_repaid += principal_paid
        statuses[status].add(amount, open_outstanding)
        products.setdefault(product, Row(product)).add(amount, open_outstanding)
        years[disbursed_on.year].add(amount, open_outstanding)
        if disbursed_on.year == as_of.year:
            portfolio.disbursed_this_year.add(amount, open_outstanding)
        if status == LoanStatus.REPAID:
            portfolio.repaid.add(amount, ZERO)
        elif status == LoanStatus.WRITTEN_OFF:
            portfolio.written_off.add(amount, outstanding)
        if not is_open:
            continue
        days_late = (as_of - oldest_unpaid).days if oldest_unpaid else 0
        portfolio.open.add(amount, outstanding)
        guarantees.setdefault(guarantee, Row(guarantee or _("Not recorded"))).add(amount, outstanding)
        ages[_age_bucket(days_late)].add(amount, outstanding)
        if days_late > PAR_DAYS:
            portfolio.at_risk.add(amount, outstanding)
    portfolio.interest_received = Allocation.objects.aggregate(total=Sum("interest", default=ZERO))["total"]
    portfolio.by_status = list(statuses.values())
    portfolio.by_guarantee = [row for row in guarantees.values() if row.count]
    portfolio.by_age = ages
    portfolio.by_product = sorted(products.values(), key=lambda row: row.label)
    for year in sorted(years):
        years[year].label = str(year)
    portfolio.by_year = [years[year] for year in sorted(years)]
    return portfolio
