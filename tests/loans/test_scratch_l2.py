import datetime
from decimal import Decimal as M

import pytest
import time_machine
from circles.models import Meeting

from loans import services
from loans.models import RestructuringKind
from loans.services import restructuring as rs, settlement as st
from loans.services.ledger import ledger_differences
from tests.factories import AdvisorFactory, CoordinatorFactory
from tests.loans.factories import disbursed_loan

pytestmark = pytest.mark.django_db
D = datetime.date


def test_scratch():
    with time_machine.travel(datetime.datetime(2026, 1, 5, 17, 0), tick=False):
        loan = disbursed_loan(amount="1200.00", term=6, disbursed_on=D(2026, 1, 5))
    for i in loan.instalments.order_by("number"):
        print(i.number, i.due_date, i.principal_due, i.interest_due, i.total_due)
    with time_machine.travel(datetime.datetime(2026, 4, 20, 17, 0), tick=False):
        c = CoordinatorFactory()
        services.payment_record(loan=loan, amount=M("203.51"), paid_on=D(2026, 2, 5), method="cash", recorded_by=c)
        services.payment_record(loan=loan, amount=M("100.00"), paid_on=D(2026, 3, 10), method="cash", recorded_by=c)
        adv = AdvisorFactory()
        for kind, kw in [("holiday", {"holiday_periods": 2}), ("longer_term", {"new_term": 8}), ("lower_instalment", {"new_instalment": M("120.00")}), ("spread_arrears", {})]:
            p = rs.new_rows(loan, kind=kind, on=D(2026, 4, 20), **kw)
            print(kind, [(r.due_date, r.principal, r.interest) for r in p["rows"]])
            print(rs.comparison(loan, p))
        q = st.payoff_quote(loan, D(2026, 4, 20))
        print(q)
        r = rs.restructuring_propose(loan=loan, proposed_by=adv, kind="spread_arrears", reason="Perte d'un client")
        r = rs.restructuring_approve(restructuring=r, approved_by=c, circle_meeting=Meeting.objects.create(circle=loan.circle, date=D(2026, 4, 14)), circle_opinion="agrees")
        print(ledger_differences())
        for i in loan.instalments.order_by("number"):
            print(i.number, i.due_date, i.principal_due, i.interest_due, i.total_due, i.settled_on)
        print(services.days_past_due(loan))
