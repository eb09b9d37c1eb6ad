"""Each fund's ledger as of a date: its own money (the funds app) and the loans charged to it (read from the
loans' positions, grouped by fund: nothing is booked twice).

Per fund, as of D (loans disbursed on or before D, charged to the fund):

- *Lent*: the principal of those loans.
- *Principal collected*: their principal paid by payments dated on or before D.
- *Written off*: the principal still owed when a loan was written off (write-off recorded on or before D).
- *Outstanding*: lent - collected - written off.
- *Capital available* (``funds.rules.capital_available``): received - capital repaid to the funder - lent +
  principal collected, which is received - repaid - outstanding - written off.
- *Owed to the funder*: capital received - capital repaid (less its share of losses when its terms say it
  bears them) + return accrued per its terms - return paid.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from funds.models import FundSource
from funds.rules import capital_available
from funds.selectors import fund_cash
from loans.models import Allocation, LoanPosition
from microcredit.core.money import ZERO, from_cents

LOAN_FIGURES = ("loans", "lent", "principal_collected", "written_off", "outstanding", "lent_period")


def _end_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))


def loan_figures_by_fund(
    *, as_of: datetime.date, start: datetime.date | None = None
) -> dict[int | None, dict]:
    """{fund id (None: loans charged to no fund): loans, lent, principal collected, written off,
    outstanding, and lent from ``start``}. Two queries."""
    written = Q(written_off_at__lt=_end_of(as_of))
    rows = (
        LoanPosition.objects.filter(disbursed_on__lte=as_of)
        .values("loan__fund")
        .order_by()
        .annotate(
            lent=Sum("lent_cents"),
            paid=Sum("principal_paid_cents"),
            written_lent=Sum("lent_cents", filter=written),
            written_paid=Sum("principal_paid_cents", filter=written),
            lent_period=Sum("lent_cents", filter=Q(disbursed_on__gte=start or datetime.date.min)),
            loans=Count("pk"),
        )
    )
    # What was paid after D comes back off the principal collected as of D (none for a loan written off by
    # D: nothing is taken after a write-off).
    later = dict(
        Allocation.objects.filter(paid_on__gt=as_of, loan__disbursed_on__lte=as_of)
        .values("loan__fund")
        .order_by()
        .annotate(principal=Sum("principal"))
        .values_list("loan__fund", "principal")
    )
    figures: dict[int | None, dict] = {}
    for row in rows:
        lent = from_cents(row["lent"])
        collected = from_cents(row["paid"]) - (later.get(row["loan__fund"]) or ZERO)
        written_off = from_cents(row["written_lent"]) - from_cents(row["written_paid"])
        figures[row["loan__fund"]] = _fund_figures(
            row["loans"], lent, collected, written_off, from_cents(row["lent_period"])
        )
    return figures


def _fund_figures(loans: int, lent, collected, written_off, lent_period) -> dict:
    """One fund's loan figures, whichever way they were read: what is outstanding is what was lent less what
    was collected and written off."""
    return {
        "loans": loans,
        "lent": lent,
        "principal_collected": collected,
        "written_off": written_off,
        "outstanding": lent - collected - written_off,
        "lent_period": lent_period,
    }


def loan_figures_from_book(rows: list[dict]) -> dict[int | None, dict]:
    """``loan_figures_by_fund`` from the board report's book (``loans.portfolio.portfolio_sql`` with the
    capital section: its rows by fund, in cents), which reads the loans once for every section. The same
    figures: the principal collected as of D is what was lent less the balance as of D of every loan
    disbursed by then; the written-off principal is the lent less the principal paid as it stands."""
    figures: dict[int | None, dict] = {}
    for row in rows:
        lent = from_cents(row["disbursed_amount_all"])
        collected = lent - from_cents(row["balance_all"])
        written_off = from_cents(row["written_off_lent"]) - from_cents(row["written_off_paid_now"])
        figures[row["fund_id"]] = _fund_figures(
            row["disbursed_count_all"], lent, collected, written_off, from_cents(row["lent_from_start"])
        )
    return figures


def _ledger_row(fund: FundSource | None, cash: dict, loans: dict) -> dict:
    row = {"fund": fund, **{key: loans.get(key, 0 if key == "loans" else ZERO) for key in LOAN_FIGURES}}
    row.update(cash)
    row["available"] = capital_available(
        received=cash["received"],
        capital_repaid=cash["capital_repaid"],
        lent=row["lent"],
        principal_collected=row["principal_collected"],
    )
    losses = row["written_off"] if fund is not None and fund.bears_losses else ZERO
    row["losses_borne"] = losses
    row["capital_owed"] = cash["received"] - cash["capital_repaid"] - losses
    row["return_owed"] = cash["return_accrued"] - cash["return_paid"]
    row["owed"] = row["capital_owed"] + row["return_owed"]
    return row


NO_CASH = dict.fromkeys(
    ("received", "capital_repaid", "return_paid", "return_accrued", "received_period", "repaid_period"), ZERO
)


def fund_ledgers(
    *, as_of: datetime.date, start: datetime.date | None = None, loans: dict[int | None, dict] | None = None
) -> dict:
    """Every fund's ledger row (active ones, and any other that lent), the loans charged to no fund, and
    the totals. Seven queries, whatever the number of funds and loans (five when ``loans``, the loans'
    figures by fund as ``loan_figures_by_fund`` gives them, are given)."""
    cash = fund_cash(as_of=as_of, start=start)
    if loans is None:
        loans = loan_figures_by_fund(as_of=as_of, start=start)
    funds = (
        FundSource.objects.filter(Q(is_active=True) | Q(pk__in=[pk for pk in loans if pk]))
        .prefetch_related("products")
        .order_by("committed_on", "name", "pk")
    )
    rows = [_ledger_row(fund, cash.get(fund.pk, NO_CASH), loans.get(fund.pk, {})) for fund in funds]
    unassigned = _ledger_row(None, NO_CASH, loans[None]) if None in loans else None
    totals = defaultdict(lambda: ZERO)
    for row in rows + ([unassigned] if unassigned else []):
        for key, value in row.items():
            if isinstance(value, Decimal | int) and not isinstance(value, bool):
                totals[key] += value
    return {"as_of": as_of, "rows": rows, "unassigned": unassigned, "totals": dict(totals)}


def fund_available(fund: FundSource, *, as_of: datetime.date) -> Decimal:
    """The capital ``fund`` has left to lend as of ``as_of``."""
    ledgers = fund_ledgers(as_of=as_of)
    return next((row["available"] for row in ledgers["rows"] if row["fund"].pk == fund.pk), ZERO)
