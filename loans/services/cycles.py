"""Loan cycles: a borrower's first loan is smaller; each loan repaid in good standing opens a larger one.

The cycle of a new request = 1 + the borrower's loans repaid in good standing (any product): repaid, and no
instalment of their schedule paid more than the product's ``good_standing_max_days_late`` days after its due
date. The product's maximum amount (and number of instalments) for a first, a second, and a third or later
loan applies (an empty one: the product's own maximum). A request above it is refused with the reason,
unless an advisor records a justified exception, which the approver sees.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loans.models import Instalment, Loan, LoanProduct, LoanStatus
from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.formatting import format_money, format_ordinal


@dataclass(frozen=True)
class Cycle:
    number: int  # 1 for a first loan
    repaid_in_good_standing: int
    max_amount: Decimal
    max_term: int


@dataclass(frozen=True)
class Step:
    """One loan of the borrower's path, for her file."""

    loan: Loan
    most_days_late: int
    good_standing: bool | None  # None while not repaid


def _most_days_late(loan_ids) -> dict[int, int]:
    late: dict[int, int] = dict.fromkeys(loan_ids, 0)
    for loan_id, due, settled in Instalment.objects.filter(loan_id__in=list(loan_ids)).values_list(
        "loan_id", "due_date", "settled_on"
    ):
        if settled is not None and settled > due:
            late[loan_id] = max(late[loan_id], (settled - due).days)
    return late


def borrower_cycle(borrower: EntrepreneurProfile, product: LoanProduct) -> Cycle:
    repaid = list(
        Loan.objects.filter(borrower=borrower, status=LoanStatus.REPAID).values_list("pk", flat=True)
    )
    late = _most_days_late(repaid)
    good = sum(1 for days in late.values() if days <= product.good_standing_max_days_late)
    number = good + 1
    amount, term = {
        1: (product.first_loan_max_amount, product.first_loan_max_term),
        2: (product.second_loan_max_amount, product.second_loan_max_term),
    }.get(number, (product.later_loan_max_amount, product.later_loan_max_term))
    return Cycle(
        number=number,
        repaid_in_good_standing=good,
        max_amount=min(amount, product.max_amount) if amount is not None else product.max_amount,
        max_term=min(term, product.max_term) if term is not None else product.max_term,
    )


def check_cycle(
    *,
    borrower: EntrepreneurProfile,
    product: LoanProduct,
    amount: Decimal,
    term: int,
    exception_reason: str = "",
    exception_by: User | None = None,
    reader: User | None = None,
) -> Cycle:
    """Refuse a request above the borrower's cycle, unless a staff member records a justified exception.
    ``reader``: who is preparing or changing the request (who reads the messages)."""
    cycle = borrower_cycle(borrower, product)
    errors = {}
    # The borrower preparing her own request reads the sentences in the second person ("votre 2e prêt"),
    # staff read them of "this borrower", as before.
    own = reader is not None and reader.pk == borrower.user_id
    if amount > cycle.max_amount:
        if cycle.repaid_in_good_standing and own:
            message = ngettext(
                "This would be your %(number)s loan (%(good)s loan repaid in good standing): this product "
                "lends at most %(max)s for it.",
                "This would be your %(number)s loan (%(good)s loans repaid in good standing): this product "
                "lends at most %(max)s for it.",
                cycle.repaid_in_good_standing,
            )
        elif cycle.repaid_in_good_standing:
            message = ngettext(
                "This would be loan number %(number)s for this borrower (%(good)s loan repaid in good "
                "standing): this product lends at most %(max)s for it.",
                "This would be loan number %(number)s for this borrower (%(good)s loans repaid in good "
                "standing): this product lends at most %(max)s for it.",
                cycle.repaid_in_good_standing,
            )
        elif own:
            message = _(
                "This would be your %(number)s loan (none repaid in good standing yet): this product lends "
                "at most %(max)s for it."
            )
        else:
            message = _(
                "This would be loan number %(number)s for this borrower (none repaid in good standing "
                "yet): this product lends at most %(max)s for it."
            )
        errors["amount"] = message % {
            "number": format_ordinal(cycle.number) if own else cycle.number,
            "good": cycle.repaid_in_good_standing,
            "max": format_money(cycle.max_amount),
        }
    if term > cycle.max_term:
        if own:
            message = _(
                "This would be your %(number)s loan: this product allows at most %(max)s instalments for it."
            )
        else:
            message = _(
                "This would be loan number %(number)s for this borrower: this product allows at most %(max)s "
                "instalments for it."
            )
        errors["term"] = message % {
            "number": format_ordinal(cycle.number) if own else cycle.number,
            "max": cycle.max_term,
        }
    if errors:
        if exception_by is not None and exception_by.is_staff_member and exception_reason.strip():
            return cycle
        if exception_by is not None and exception_by.is_staff_member:
            errors["cycle_exception_reason"] = _(
                "Above the loan cycle: to make an exception, give its justification."
            )
        raise ValidationError(errors, code="cycle")
    return cycle


def loan_steps(borrower: EntrepreneurProfile) -> list[Step]:
    """The borrower's disbursed loans, oldest first, each with how late it ever was (her path)."""
    from loans.models import DISBURSED_STATUSES

    loans = list(
        Loan.objects.filter(borrower=borrower, status__in=DISBURSED_STATUSES)
        .select_related("product")
        .order_by("disbursed_on", "pk")
    )
    late = _most_days_late([loan.pk for loan in loans])
    return [
        Step(
            loan=loan,
            most_days_late=late[loan.pk],
            good_standing=(late[loan.pk] <= loan.product.good_standing_max_days_late)
            if loan.status == LoanStatus.REPAID
            else None,
        )
        for loan in loans
    ]
