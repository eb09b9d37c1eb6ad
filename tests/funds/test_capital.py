"""The loan fund's ledger, restricted funds, the default rule and the loan-loss reserve, in literal figures
(English messages: the figures are checked, the French reading is the pages' tests')."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from funds.models import FunderRepayment, FundSource, Population, Tranche
from funds.selectors import accrued_return
from loans import services
from loans.fund_ledger import fund_ledgers
from loans.models import Frequency, Loan
from microcredit.accounts.models import Demographics
from reports.capital import capital_figures, loss_reserve
from tests.loans.factories import LoanProductFactory, approved_loan, disbursed_loan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


MONTREAL = ZoneInfo("America/Montreal")
D = datetime.date
JANUARY_1 = D(2025, 1, 1)


@pytest.fixture
def year_end():
    with time_machine.travel(datetime.datetime(2025, 12, 31, 12, 0, tzinfo=MONTREAL), tick=False):
        yield


@pytest.fixture
def zero_product():
    return LoanProductFactory(
        name="Zero", annual_rate=Decimal("0.00"), min_term=4, max_term=12, frequency=Frequency.MONTHLY
    )


def fund(name="Fonds jeunesse", committed="20000.00", committed_on=JANUARY_1, **extra) -> FundSource:
    return FundSource.objects.create(
        name=name, kind="investor", amount_committed=Decimal(committed), committed_on=committed_on, **extra
    )


def pay(loan, day, amount):
    services.payment_record(
        loan=loan, amount=Decimal(amount), paid_on=day, method="cash", recorded_by=loan.approved_by
    )


def lend(product, amount, disbursed_on, first_due, term=4, **kwargs) -> Loan:
    return disbursed_loan(
        amount=amount, term=term, product=product, disbursed_on=disbursed_on, first_due=first_due, **kwargs
    )


def row_of(ledgers, source):
    return next(row for row in ledgers["rows"] if row["fund"].pk == source.pk)


def test_a_funds_year_two_tranches_a_repayment_to_the_investor_and_a_write_off(year_end, zero_product):
    source = fund(annual_return_rate=Decimal("2.00"))
    Tranche.objects.create(fund=source, received_on=D(2025, 1, 1), amount=Decimal("10000.00"))
    Tranche.objects.create(fund=source, received_on=D(2025, 7, 1), amount=Decimal("5000.00"))
    # L1 1200, repaid in full; L2 800, 200 paid then written off; L3 3000, two instalments of 500 paid.
    l1 = lend(zero_product, "1200.00", D(2025, 1, 15), D(2025, 2, 15), fund=source)
    for month in (2, 3, 4, 5):
        pay(l1, D(2025, month, 15), "300.00")
    l2 = lend(zero_product, "800.00", D(2025, 2, 1), D(2025, 3, 1), fund=source)
    pay(l2, D(2025, 3, 1), "200.00")
    services.loan_write_off(loan=l2, written_off_by=l2.approved_by, reason="Business closed")
    l3 = lend(zero_product, "3000.00", D(2025, 8, 1), D(2025, 9, 1), term=6, fund=source)
    pay(l3, D(2025, 9, 1), "500.00")
    pay(l3, D(2025, 10, 1), "500.00")
    FunderRepayment.objects.create(
        fund=source, paid_on=D(2025, 12, 1), capital=Decimal("2000.00"), interest=Decimal("150.00")
    )

    row = row_of(fund_ledgers(as_of=D(2025, 12, 31)), source)
    assert row["loans"] == 3
    assert (row["received"], row["capital_repaid"], row["return_paid"]) == (
        Decimal("15000.00"),
        Decimal("2000.00"),
        Decimal("150.00"),
    )
    assert (row["lent"], row["principal_collected"], row["written_off"], row["outstanding"]) == (
        Decimal("5000.00"),
        Decimal("2400.00"),
        Decimal("600.00"),
        Decimal("2000.00"),
    )
    # 15000 received - 2000 repaid - 5000 lent + 2400 collected = 15000 - 2000 - 2000 outstanding - 600 lost
    assert row["available"] == Decimal("10400.00")
    # 2 % simple: (10000 x 181 days + 15000 x 153 + 13000 x 30) x 2 % / 365 = 246.30
    assert row["return_accrued"] == Decimal("246.30")
    assert (row["capital_owed"], row["return_owed"], row["owed"]) == (
        Decimal("13000.00"),
        Decimal("96.30"),
        Decimal("13096.30"),
    )

    # Mid-year: one tranche in, L1 and L2 out; L2's write-off (December) not yet, L3 not yet lent.
    june = row_of(fund_ledgers(as_of=D(2025, 6, 30)), source)
    assert (june["received"], june["lent"], june["principal_collected"], june["written_off"]) == (
        Decimal("10000.00"),
        Decimal("2000.00"),
        Decimal("1400.00"),
        Decimal("0.00"),
    )
    assert (june["outstanding"], june["available"]) == (Decimal("600.00"), Decimal("9400.00"))


def test_a_fund_that_bears_losses_is_owed_less(year_end, zero_product):
    source = fund(bears_losses=True)
    Tranche.objects.create(fund=source, received_on=D(2025, 1, 1), amount=Decimal("5000.00"))
    loan = lend(zero_product, "800.00", D(2025, 2, 1), D(2025, 3, 1), fund=source)
    pay(loan, D(2025, 3, 1), "200.00")
    services.loan_write_off(loan=loan, written_off_by=loan.approved_by, reason="Business closed")
    row = row_of(fund_ledgers(as_of=D(2025, 12, 31)), source)
    assert (row["losses_borne"], row["owed"], row["available"]) == (
        Decimal("600.00"),
        Decimal("4400.00"),
        Decimal("4400.00"),
    )


def test_accrued_return_is_simple_interest_on_the_balance():
    movements = [(D(2025, 1, 1), Decimal("10000.00")), (D(2025, 7, 1), Decimal("-4000.00"))]
    # 10000 x 3 % x 181 / 365 + 6000 x 3 % x 184 / 365 = 148.77 + 90.74 = 239.51
    assert accrued_return(movements, Decimal("3.00"), D(2026, 1, 1)) == Decimal("239.51")
    assert accrued_return(movements, Decimal("0"), D(2026, 1, 1)) == Decimal("0.00")


def test_the_default_rule_takes_the_first_fund_that_may_and_can(year_end, zero_product):
    small = fund(name="Petit fonds", committed="1000.00", committed_on=D(2024, 6, 1))
    Tranche.objects.create(fund=small, received_on=D(2025, 1, 1), amount=Decimal("1000.00"))
    own = FundSource.objects.create(
        name="Fonds propre", kind="own", amount_committed=Decimal("9000.00"), committed_on=D(2024, 1, 1)
    )
    Tranche.objects.create(fund=own, received_on=D(2025, 1, 1), amount=Decimal("9000.00"))
    big = fund(name="Grand fonds", committed="50000.00")
    Tranche.objects.create(fund=big, received_on=D(2025, 1, 1), amount=Decimal("50000.00"))
    first = lend(zero_product, "800.00", D(2025, 12, 1), D(2026, 1, 1))
    assert first.fund == small  # committed first, and it has the 800
    second = lend(zero_product, "800.00", D(2025, 12, 1), D(2026, 1, 1))
    assert second.fund == big  # 200 left in the small fund; the own fund comes last, though older
    Tranche.objects.filter(fund=big).delete()
    third = lend(zero_product, "800.00", D(2025, 12, 1), D(2026, 1, 1))
    assert third.fund == own


def consented(loan, **answers):
    Demographics.objects.create(profile=loan.borrower, consent_given_at=timezone.now(), **answers)


def test_a_restricted_fund_refuses_an_ineligible_borrower_with_the_reason(year_end, zero_product):
    youth = fund(name="Fonds jeunesse", min_age=18, max_age=35)
    Tranche.objects.create(fund=youth, received_on=D(2025, 1, 1), amount=Decimal("10000.00"))
    loan = approved_loan(amount="1200.00", term=4, product=zero_product)
    consented(loan, birth_year=1980)  # 45 in 2025
    with pytest.raises(ValidationError) as refused:
        services.loan_disburse(
            loan=loan, disbursed_by=loan.approved_by, disbursed_on=D(2025, 12, 1), method="cash", fund=youth
        )
    assert refused.value.message_dict["fund"] == [
        "Fonds jeunesse is reserved to borrowers aged 18 to 35; the borrower is 45."
    ]
    loan.refresh_from_db()
    assert (loan.status, loan.fund, loan.instalments.count()) == ("approved", None, 0)

    # Without a consented answer the age is unknown, never guessed.
    other = approved_loan(amount="1200.00", term=4, product=zero_product)
    with pytest.raises(ValidationError, match="birth year is not known"):
        services.loan_disburse(
            loan=other, disbursed_by=other.approved_by, disbursed_on=D(2025, 12, 1), method="cash", fund=youth
        )
    # A young borrower is financed.
    young = approved_loan(amount="1200.00", term=4, product=zero_product)
    consented(young, birth_year=2000)
    done = services.loan_disburse(
        loan=young, disbursed_by=young.approved_by, disbursed_on=D(2025, 12, 1), method="cash", fund=youth
    )
    assert done.fund == youth


@pytest.mark.parametrize(
    ("rules", "answers", "reason"),
    [
        ({"max_per_loan": Decimal("1000.00")}, {}, "lends at most $1,000.00 per loan"),
        (
            {"postal_prefixes": "J4, H1"},
            {},
            "reserved to the region J4, H1; the borrower's postal code is H2X 1Y4",
        ),
        ({"population": Population.WOMEN}, None, "has not consented to the demographic questions"),
        ({"population": Population.WOMEN}, {"gender": "man"}, "reserved to a target population (Women)"),
    ],
)
def test_each_rule_of_a_restricted_fund(year_end, zero_product, rules, answers, reason):
    restricted = fund(**rules)
    Tranche.objects.create(fund=restricted, received_on=D(2025, 1, 1), amount=Decimal("10000.00"))
    loan = approved_loan(amount="1200.00", term=4, product=zero_product)
    if answers is not None:
        consented(loan, **answers)
    with pytest.raises(
        ValidationError, match=reason.replace("(", r"\(").replace(")", r"\)").replace("$", r"\$")
    ):
        services.disbursement_fund(loan=loan, fund=restricted, on=D(2025, 12, 1))
    # By the rule, with no other fund: refused too, with every fund's reason.
    with pytest.raises(ValidationError, match="No fund can finance this loan"):
        services.disbursement_fund(loan=loan, fund=None, on=D(2025, 12, 1))


def test_a_fund_limited_to_a_product(year_end, zero_product):
    limited = fund()
    Tranche.objects.create(fund=limited, received_on=D(2025, 1, 1), amount=Decimal("10000.00"))
    LoanProductFactory(name="Croissance", annual_rate=Decimal("7.50")).funds.add(limited)
    loan = approved_loan(amount="1200.00", term=4, product=zero_product)
    with pytest.raises(ValidationError, match="does not finance this loan product"):
        services.disbursement_fund(loan=loan, fund=limited, on=D(2025, 12, 1))


def test_a_fund_short_of_capital_refuses(year_end, zero_product):
    short = fund()
    Tranche.objects.create(fund=short, received_on=D(2025, 1, 1), amount=Decimal("1000.00"))
    loan = approved_loan(amount="1200.00", term=4, product=zero_product)
    with pytest.raises(ValidationError, match=r"has \$1,000.00 available to lend, less than the \$1,200.00"):
        services.disbursement_fund(loan=loan, fund=short, on=D(2025, 12, 1))


def test_without_any_fund_a_loan_is_charged_to_none(year_end, zero_product):
    loan = lend(zero_product, "1200.00", D(2025, 12, 1), D(2026, 1, 1))
    assert loan.fund is None
    assert fund_ledgers(as_of=D(2025, 12, 31))["unassigned"]["outstanding"] == Decimal("1200.00")


@pytest.mark.parametrize(
    ("as_of", "band", "provision"),
    [
        (D(2025, 2, 1), "Current", "0.00"),  # due today, not late
        (D(2025, 2, 2), "1 to 30 days late", "120.00"),
        (D(2025, 3, 3), "1 to 30 days late", "120.00"),  # 30 days
        (D(2025, 3, 4), "31 to 90 days late", "300.00"),  # 31
        (D(2025, 5, 2), "31 to 90 days late", "300.00"),  # 90
        (D(2025, 5, 3), "91 to 180 days late", "600.00"),  # 91
        (D(2025, 7, 31), "91 to 180 days late", "600.00"),  # 180
        (D(2025, 8, 1), "More than 180 days late", "1200.00"),  # 181
    ],
)
def test_the_reserve_at_the_boundary_days(zero_product, as_of, band, provision):
    with time_machine.travel(datetime.datetime(2025, 1, 2, 12, 0, tzinfo=MONTREAL), tick=False):
        source = fund()
        Tranche.objects.create(fund=source, received_on=D(2025, 1, 1), amount=Decimal("5000.00"))
        lend(zero_product, "1200.00", D(2025, 1, 1), D(2025, 2, 1), fund=source)  # nothing ever paid
    with time_machine.travel(datetime.datetime(2025, 12, 31, 12, 0, tzinfo=MONTREAL), tick=False):
        reserve = loss_reserve(as_of=as_of)
    (in_band,) = [b for b in reserve["bands"] if b["loans"]]
    assert (in_band["label"], in_band["outstanding"], in_band["provision"]) == (
        band,
        Decimal("1200.00"),
        Decimal(provision),
    )
    assert reserve["total"] == Decimal(provision)
    assert reserve["by_fund"] == {source.pk: Decimal(provision)}


def test_capital_figures_take_as_many_queries_for_one_loan_as_for_four(year_end, zero_product):
    source = fund()
    Tranche.objects.create(fund=source, received_on=D(2025, 1, 1), amount=Decimal("10000.00"))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            capital_figures(as_of=D(2025, 12, 31), start=D(2025, 1, 1))
        return len(queries)

    lend(zero_product, "1200.00", D(2025, 12, 1), D(2026, 1, 1), fund=source)
    one = count()
    for number in range(3):  # more loans, and more funds
        other = fund(name=f"Autre {number}", committed="2000.00")
        Tranche.objects.create(fund=other, received_on=D(2025, 1, 1), amount=Decimal("2000.00"))
        lend(zero_product, "1200.00", D(2025, 12, 1), D(2026, 1, 1), fund=other)
    assert count() == one
