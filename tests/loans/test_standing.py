"""The pages staff open all day read each loan's standing from its derived position (issue #21).

"Owed, overdue since, days late" has one reading for the lists and homes (``loans.selectors.with_standing``):
as of today from ``LoanPosition``, one join; it must agree with the as-of definition (``with_balances``,
``InstalmentQuerySet.unpaid_as_of``) for every loan, and no query of the arrears list, the home pages or the
circle page may scan a loan's instalments or allocations in a subquery per loan.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loans import selectors, services
from loans.models import Loan
from tests.factories import CoordinatorFactory
from tests.loans.factories import disbursed_loan

pytestmark = pytest.mark.django_db

# A subquery reading the instalments or allocations: "(SELECT ... FROM loans_allocation ..." with no
# parenthesis in between (the form Django writes for a Subquery / OuterRef annotation, and the form the old
# arrears selector ran five times per loan).
PER_LOAN_SCAN = re.compile(r'\(\s*SELECT\s[^()]*FROM\s+"?loans_(allocation|instalment)"?', re.IGNORECASE)


def per_loan_scans(queries) -> list[str]:
    return [query["sql"] for query in queries if PER_LOAN_SCAN.search(query["sql"])]


def test_the_pattern_catches_the_per_loan_subqueries_of_the_as_of_definition():
    """The check below can fail: the as-of reading (``with_balances``) is such a per-loan scan."""
    with CaptureQueriesContext(connection) as queries:
        list(selectors.with_balances(Loan.objects.all()))
    assert per_loan_scans(queries)


@pytest.fixture
def portfolio(personas):
    """Loans of the advisor's circles, some late, some paid, one partly paid, one not disbursed."""
    coordinator = CoordinatorFactory()
    today = timezone.localdate()
    month = datetime.timedelta(days=30)
    loans = [
        disbursed_loan(
            amount="1200.00",
            term=6,
            advisor=personas.advisor,
            approver=coordinator,
            disbursed_on=today - 4 * month,
            first_due=today - 3 * month,
        )
        for _loan in range(4)
    ]
    # 0: nothing paid, 3 instalments late. 1: all the fallen-due instalments paid (not late). 2: the first
    # instalment paid and part of the second (late since the second's due date). 3: paid ahead.
    late, current, partial, ahead = loans
    pay = {current: "650.00", partial: "300.00", ahead: "900.00"}
    for loan, amount in pay.items():
        services.payment_record(
            loan=loan, amount=Decimal(amount), paid_on=today, method="cash", recorded_by=coordinator
        )
    not_yet = disbursed_loan(amount="800.00", term=6, advisor=personas.advisor, approver=coordinator)
    from tests.loans.factories import approved_loan

    undisbursed = approved_loan(amount="900.00", term=6, advisor=personas.advisor, approver=coordinator)
    return {"coordinator": coordinator, "loans": [*loans, not_yet, undisbursed], "late": late}


def test_the_standing_from_the_positions_agrees_with_the_as_of_definition_for_every_loan(portfolio):
    today = timezone.localdate()
    fast = {loan.pk: loan for loan in selectors.with_standing(Loan.objects.all())}
    exact = {loan.pk: loan for loan in selectors.with_balances(Loan.objects.all(), today)}
    assert fast.keys() == exact.keys()
    late = 0
    for pk, loan in fast.items():
        expected = exact[pk]
        assert loan.owed == (expected.owed if expected.disbursed_on else Decimal("0.00")), pk
        assert loan.oldest_unpaid == expected.oldest_unpaid, pk
        assert selectors.days_late(loan) == selectors.days_past_due(loan, today), pk
        late += bool(loan.oldest_unpaid and loan.oldest_unpaid < today)
    assert late == 2  # the loan paying nothing and the partly paid one
    arrears = selectors.with_days_late(selectors.arrears(portfolio["coordinator"]))
    assert arrears[0].pk == portfolio["late"].pk  # the longest late first
    assert len(arrears) == 2 and arrears[0].dpd > arrears[1].dpd > 0
    assert arrears[0].owed == exact[portfolio["late"].pk].owed


def test_as_of_a_past_date_the_standing_is_the_as_of_definition(portfolio):
    past = timezone.localdate() - datetime.timedelta(days=10)
    loan = portfolio["loans"][1]  # paid today: as of ten days ago, still late
    standing = selectors.with_standing(Loan.objects.filter(pk=loan.pk), past).get()
    assert selectors.days_late(standing, past) == selectors.days_past_due(loan, past) > 0


def test_the_arrears_home_and_circle_pages_do_not_scan_instalments_or_allocations_per_loan(
    portfolio, personas, client_for
):
    coordinator, advisor = portfolio["coordinator"], personas.advisor
    circle = portfolio["late"].circle
    borrower = portfolio["late"].borrower
    pages = [
        (coordinator, reverse("loans:arrears")),
        (advisor, reverse("loans:arrears")),
        (coordinator, reverse("home")),
        (advisor, reverse("home")),
        (borrower, reverse("home")),
        (advisor, reverse("circles:circle_detail", args=[circle.pk])),
        (coordinator, reverse("loans:loan_list")),
        (advisor, reverse("coaching:caseload")),
    ]
    for user, url in pages:
        client = client_for(user)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        assert per_loan_scans(queries) == [], url
    # The arrears page still shows the late loans, with what they owe.
    response = client_for(coordinator).get(reverse("loans:arrears"))
    assert response.context["loans"][0].pk == portfolio["late"].pk
    # The selectors themselves, and the digest's late loans.
    with CaptureQueriesContext(connection) as queries:
        list(selectors.arrears(advisor))
        selectors.arrears(coordinator).count()
        overdue = selectors.overdue_loans_for_advisor(advisor, timezone.localdate())
        render_to_string("loans/_panel_file.html", {"loans": selectors.with_standing(Loan.objects.all())})
    assert per_loan_scans(queries) == []
    assert {loan.pk for loan in overdue} == {loan.pk for loan in selectors.arrears(coordinator)}
    assert all(loan.overdue > 0 for loan in overdue)


def test_the_arrears_list_is_paged(portfolio, client_for):
    response = client_for(portfolio["coordinator"]).get(reverse("loans:arrears"))
    assert response.context["paginator"].per_page == 50
    assert response.context["page_obj"].number == 1


def test_the_arrears_pages_are_counted_from_the_counters_and_read_in_the_lists_order(
    portfolio, personas, client_for, monkeypatch
):
    """The number of pages comes from the arrears counters (no ``COUNT(*)`` over the late loans, which grows
    with the portfolio), and agrees with the rows: one late loan a page here, the longest late first."""
    from loans.views.office import ArrearsView

    monkeypatch.setattr(ArrearsView, "paginate_by", 1)
    late = [loan.pk for loan in selectors.arrears(portfolio["coordinator"])]
    assert len(late) == 2
    for user, query in ((portfolio["coordinator"], ""), (personas.advisor, "mine=1&")):
        client = client_for(user)
        shown = []
        for number in (1, 2):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"{reverse('loans:arrears')}?{query}page={number}")
            assert response.status_code == 200
            assert response.context["paginator"].num_pages == 2
            assert response.context["page_obj"].number == number
            assert f"Page {number} sur 2" in response.content.decode()
            shown += [loan.pk for loan in response.context["loans"]]
            sql = [entry["sql"] for entry in queries]
            assert any('FROM "loans_arrearscount"' in entry for entry in sql)
            assert not any("COUNT(*)" in entry and '"loans_loan"' in entry for entry in sql)
        assert shown == late
        assert client.get(f"{reverse('loans:arrears')}?{query}page=3").status_code == 404
