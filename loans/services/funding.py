"""Which fund a disbursement is charged to: the coordinator's choice, checked against the fund's rules and
what it has left to lend, or by default the first fund (outside sources by date of commitment, the
organization's own fund last) that may finance the loan and has the capital for it."""

import datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from funds.models import FundSource
from funds.rules import Borrower, ineligibility, populations_of
from funds.selectors import active_funds
from loans.fund_ledger import fund_ledgers
from loans.models import Loan
from microcredit.core.formatting import format_money


def borrower_facts(loan: Loan, on: datetime.date) -> Borrower:
    """What the funds' rules look at: consented answers only (none without consent)."""
    profile = loan.borrower
    try:
        answers = profile.demographics
    except ObjectDoesNotExist:
        answers = None
    consented = answers is not None and answers.consent_given_at is not None
    populations = None
    if consented:
        populations = populations_of(
            consented=True,
            gender=answers.gender,
            birth_year=answers.birth_year,
            immigrant=answers.immigrant,
            anglophone=answers.anglophone,
            disability=answers.disability,
            income_source=answers.income_source,
            on=on,
        )
    return Borrower(
        birth_year=answers.birth_year if consented else None,
        postal_code=profile.postal_code,
        populations=populations,
        product_id=loan.product_id,
    )


def _product_limits() -> dict[int, set[int]]:
    """{fund id: the products it is limited to} (funds no product lists are absent: any product)."""
    limits: dict[int, set[int]] = {}
    for fund_id, product_id in FundSource.products.through.objects.values_list(
        "fundsource_id", "loanproduct_id"
    ):
        limits.setdefault(fund_id, set()).add(product_id)
    return limits


def fund_refusal(
    loan: Loan,
    fund: FundSource,
    *,
    amount: Decimal,
    on: datetime.date,
    available: Decimal,
    limits: dict[int, set[int]] | None = None,
) -> str | None:
    """Why ``fund`` cannot take this disbursement (its rules, then its capital), or None."""
    if not fund.is_active:
        return _("%(fund)s is no longer active.") % {"fund": fund.name}
    limits = _product_limits() if limits is None else limits
    reason = ineligibility(
        fund, borrower=borrower_facts(loan, on), amount=amount, on=on, product_ids=limits.get(fund.pk)
    )
    if reason:
        return reason
    if available < amount:
        return _("%(fund)s has %(available)s available to lend, less than the %(amount)s of this loan.") % {
            "fund": fund.name,
            "available": format_money(available),
            "amount": format_money(amount),
        }
    return None


def disbursement_fund(*, loan: Loan, fund: FundSource | None, on: datetime.date) -> FundSource | None:
    """The fund this disbursement is charged to, or a ValidationError on ``fund`` saying why not. None only
    while the organization has no active fund source (the loan is then charged to no fund)."""
    amount = loan.final_amount
    funds = active_funds()
    if not funds and fund is None:
        return None
    # Capital left as of today: the money is in the bank now, whatever date the disbursement carries.
    available = {row["fund"].pk: row["available"] for row in fund_ledgers(as_of=timezone.localdate())["rows"]}
    limits = _product_limits()
    if fund is not None:
        reason = fund_refusal(
            loan, fund, amount=amount, on=on, available=available.get(fund.pk, Decimal(0)), limits=limits
        )
        if reason:
            raise ValidationError({"fund": reason})
        return fund
    reasons = []
    for candidate in funds:
        reason = fund_refusal(
            loan, candidate, amount=amount, on=on, available=available.get(candidate.pk, 0), limits=limits
        )
        if reason is None:
            return candidate
        reasons.append(reason)
    raise ValidationError(
        {"fund": _("No fund can finance this loan: %(reasons)s") % {"reasons": " ".join(reasons)}}
    )


def lock_funds() -> None:
    """Disbursements charge funds one at a time: two at once could both spend the same capital."""
    list(FundSource.objects.filter(is_active=True).select_for_update().values_list("pk", flat=True))
