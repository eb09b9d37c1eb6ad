"""Restructuring a loan in difficulty: the new schedule (hand-worked figures), four eyes, the circle's
decision, the schedule versions, the ledger kept, days past due restarting, and the board's line.

The loan of every test: 1 200,00 $ at 6 % a year, 6 monthly instalments, disbursed on 5 January 2026: five
instalments of 203,51 $ and a last of 203,53 $ (principal 197,51 / 198,50 / 199,49 / 200,49 / 201,49 /
202,52; interest 6,00 / 5,01 / 4,02 / 3,02 / 2,02 / 1,01). Paid: 203,51 $ on 5 February (the first
instalment in full) and 100,00 $ on 10 March (part of the second). On 20 April the second and third
instalments are overdue.

Replaced: instalments 2 to 6, principal 1 002,49 $; carried interest (earned, unpaid: instalments 2 and 3,
due before the new first due date of 5 May) 5,01 + 4,02 = 9,03 $, spread evenly (3,01 $ on each of three).
"""

import datetime
import html
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from circles.models import Meeting
from loans import selectors, services
from loans.models import (
    Instalment,
    LoanPosition,
    LoanStatus,
    RestructuringKind,
    RestructuringStatus,
    ScheduleVersion,
)
from loans.services import restructuring as rs
from loans.services.ledger import ledger_differences
from microcredit.core.models import OrganizationSettings
from reports.selectors import portfolio_figures
from tests.factories import AdvisorFactory, CoordinatorFactory
from tests.loans.factories import disbursed_loan

pytestmark = pytest.mark.django_db
D = datetime.date
M = Decimal


@pytest.fixture(autouse=True)
def _french():
    """The services' messages are read in French (the organization's language)."""
    with translation.override("fr"):
        yield


def at(day: datetime.date):
    """Noon in Montreal on ``day`` (17:00 UTC), the clock stopped."""
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 17, tzinfo=datetime.UTC), tick=False
    )


@pytest.fixture
def loan():
    with at(D(2026, 1, 5)):
        loan = disbursed_loan(amount="1200.00", term=6, disbursed_on=D(2026, 1, 5))
    coordinator = CoordinatorFactory()
    with at(D(2026, 4, 20)):
        for amount, day in (("203.51", D(2026, 2, 5)), ("100.00", D(2026, 3, 10))):
            services.payment_record(
                loan=loan, amount=M(amount), paid_on=day, method="cash", recorded_by=coordinator
            )
    return loan


def schedule(loan) -> list[tuple]:
    return [
        (i.number, i.due_date, i.principal_due, i.interest_due, i.settled_on)
        for i in Instalment.objects.filter(loan=loan).order_by("number")
    ]


def meeting(loan) -> Meeting:
    return Meeting.objects.create(circle=loan.circle, date=D(2026, 4, 14))


def approve(loan, kind, **terms):
    advisor, coordinator = AdvisorFactory(), CoordinatorFactory()
    with at(D(2026, 4, 20)):
        proposal = rs.restructuring_propose(
            loan=loan, proposed_by=advisor, kind=kind, reason="Perte de son principal client", **terms
        )
        return rs.restructuring_approve(
            restructuring=proposal,
            approved_by=coordinator,
            circle_meeting=meeting(loan),
            circle_opinion="agrees",
        )


def test_the_four_kinds_of_new_schedule_on_20_april(loan):
    on = D(2026, 4, 20)
    spread = rs.new_rows(loan, kind=RestructuringKind.SPREAD_ARREARS, on=on)
    # 1 002,49 over the 3 instalments left (May, June, July): 337,51 a month, interest + 3,01 carried.
    assert [(r.due_date, r.principal, r.interest) for r in spread["rows"]] == [
        (D(2026, 5, 5), M("332.50"), M("8.02")),
        (D(2026, 6, 5), M("334.16"), M("6.36")),
        (D(2026, 7, 5), M("335.83"), M("4.69")),
    ]
    figures = rs.comparison(loan, spread)
    # Today 1 221,08 (21,08 of interest); after: 203,51 + 3 x 340,52 = 1 225,07.
    assert (figures["current_total"], figures["new_total"], figures["extra_cost"]) == (
        M("1221.08"),
        M("1225.07"),
        M("3.99"),
    )
    # Payment holiday of 2, interest accruing (the product's default): the five unpaid instalments themselves
    # (none dropped, none grown), from 5 July, two months after the restart date of 5 May, with 2 x 5,01 of
    # holiday interest on 1 002,49 spread over them: 10,02, 2,00 on each and 2,02 on the last.
    holiday = rs.new_rows(loan, kind=RestructuringKind.HOLIDAY, on=on, holiday_periods=2)
    assert [(r.due_date, r.principal, r.interest) for r in holiday["rows"]] == [
        (D(2026, 7, 5), M("198.50"), M("7.01")),
        (D(2026, 8, 5), M("199.49"), M("6.02")),
        (D(2026, 9, 5), M("200.49"), M("5.02")),
        (D(2026, 10, 5), M("201.49"), M("4.02")),
        (D(2026, 11, 5), M("202.52"), M("3.03")),
    ]
    assert rs.comparison(loan, holiday)["extra_cost"] == M("10.02")
    # Longer term: 8 instalments of 128,15 + 1,12 of the carried interest (the last takes 1,19).
    longer = rs.new_rows(loan, kind=RestructuringKind.LONGER_TERM, on=on, new_term=8)
    rows = longer["rows"]
    assert len(rows) == 8
    assert (rows[0].due_date, rows[0].principal, rows[0].interest) == (D(2026, 5, 5), M("123.14"), M("6.13"))
    assert (rows[-1].due_date, rows[-1].principal, rows[-1].interest) == (
        D(2026, 12, 5),
        M("127.49"),
        M("1.83"),
    )
    assert rs.comparison(loan, longer)["extra_cost"] == M("16.64")
    # Lower instalment of 120,00, exactly: the first pays the carried 9,03 and May's 5,01 of interest (14,04)
    # and 105,96 of principal; then 4,48 + 115,52 on 896,53, 3,91 + 116,09 on 781,01, ... until the last,
    # on 5 January 2027, takes the 75,67 left and its 0,38 of interest.
    lower = rs.new_rows(loan, kind=RestructuringKind.LOWER_INSTALMENT, on=on, new_instalment=M("120.00"))
    assert [r.total for r in lower["rows"]] == [M("120.00")] * 8 + [M("76.05")]
    assert [(r.principal, r.interest) for r in lower["rows"][:3]] == [
        (M("105.96"), M("14.04")),
        (M("115.52"), M("4.48")),
        (M("116.09"), M("3.91")),
    ]
    assert lower["rows"][-1].due_date == D(2027, 1, 5)


def test_a_holiday_without_interest_when_the_product_says_so(loan):
    loan.product.holiday_interest_accrues = False
    loan.product.save()
    holiday = rs.new_rows(loan, kind=RestructuringKind.HOLIDAY, on=D(2026, 4, 20), holiday_periods=2)
    # The unpaid instalments exactly as they were, five months later each; nothing more to pay.
    assert [(r.due_date, r.total) for r in holiday["rows"]] == [
        (D(2026, 7, 5), M("203.51")),
        (D(2026, 8, 5), M("203.51")),
        (D(2026, 9, 5), M("203.51")),
        (D(2026, 10, 5), M("203.51")),
        (D(2026, 11, 5), M("203.53")),
    ]
    assert rs.comparison(loan, holiday)["extra_cost"] == M("0.00")


def test_proposals_that_do_not_hold_are_refused_with_the_reason(loan):
    advisor = AdvisorFactory()
    with at(D(2026, 4, 20)):
        with pytest.raises(ValidationError) as error:
            rs.restructuring_propose(
                loan=loan, proposed_by=advisor, kind="longer_term", reason="x", new_term=3
            )
        assert "new_term" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            rs.restructuring_propose(
                loan=loan,
                proposed_by=advisor,
                kind="lower_instalment",
                reason="x",
                new_instalment=M("210.00"),
            )
        assert "203,53" in error.value.message_dict["new_instalment"][0]
        with pytest.raises(ValidationError) as error:
            rs.restructuring_propose(loan=loan, proposed_by=advisor, kind="spread_arrears", reason="  ")
        assert "reason" in error.value.message_dict


def test_restructuring_after_partial_payments_replaces_the_unpaid_part_keeps_the_ledger_and_restarts_dpd(
    loan,
):
    with at(D(2026, 4, 20)):
        assert selectors.days_past_due(loan) == 46  # since 5 March
    first = schedule(loan)[0]
    restructuring = approve(loan, RestructuringKind.SPREAD_ARREARS)
    assert restructuring.status == RestructuringStatus.APPROVED
    assert schedule(loan) == [
        first,  # paid in full: never changes
        (2, D(2026, 5, 5), M("332.50"), M("8.02"), None),
        (3, D(2026, 6, 5), M("334.16"), M("6.36"), None),
        (4, D(2026, 7, 5), M("335.83"), M("4.69"), None),
    ]
    # The 100,00 of 10 March now sits on the new second instalment: 8,02 interest, 91,98 principal.
    second = Instalment.objects.get(loan=loan, number=2)
    assert [(a.interest, a.principal) for a in second.allocations.all()] == [(M("8.02"), M("91.98"))]
    with at(D(2026, 4, 20)):
        assert selectors.days_past_due(loan) == 0
        assert selectors.amount_owed(loan) == M("1225.07") - M("303.51")
    position = LoanPosition.objects.get(loan=loan)
    assert (position.scheduled_cents, position.restructured_on) == (122507, D(2026, 4, 20))
    assert position.first_unsettled_due == D(2026, 5, 5)
    # The old schedule stays readable: version 1, six lines, what was paid on each then.
    version = ScheduleVersion.objects.get(loan=loan)
    assert (version.number, version.kept, version.reason) == (1, 1, "restructuring")
    assert [(line.number, line.paid) for line in version.lines.order_by("number")] == [
        (1, M("203.51")),
        (2, M("100.00")),
        (3, M("0.00")),
        (4, M("0.00")),
        (5, M("0.00")),
        (6, M("0.00")),
    ]
    history = loan.transitions.order_by("-changed_at", "-pk").first()
    assert history.from_status == history.to_status == LoanStatus.ACTIVE
    assert history.note.startswith("Restructuré")
    assert ledger_differences() == []


def test_reversing_a_payment_made_before_the_restructuring(loan):
    approve(loan, RestructuringKind.SPREAD_ARREARS)
    payment = loan.payments.get(paid_on=D(2026, 2, 5))
    with at(D(2026, 4, 21)):
        services.payment_reverse(
            payment=payment, reversed_by=CoordinatorFactory(), reason="Chèque sans provision"
        )
    # The 100,00 left now pays the first instalment (kept as it was): 6,00 interest, 94,00 principal.
    first = Instalment.objects.get(loan=loan, number=1)
    assert [(a.interest, a.principal) for a in first.allocations.all()] == [(M("6.00"), M("94.00"))]
    assert first.settled_on is None
    with at(D(2026, 4, 21)):
        assert selectors.days_past_due(loan) == 75  # since 5 February again
        assert selectors.amount_owed(loan) == M("1125.07")
    assert ledger_differences() == []


def test_four_eyes_and_the_circle_decision(loan):
    advisor, coordinator, other = AdvisorFactory(), CoordinatorFactory(), CoordinatorFactory()
    with at(D(2026, 4, 20)):
        proposal = rs.restructuring_propose(
            loan=loan, proposed_by=coordinator, kind="spread_arrears", reason="x"
        )
        with pytest.raises(ValidationError, match="quatre yeux"):
            rs.restructuring_approve(restructuring=proposal, approved_by=coordinator)
        with pytest.raises(ValidationError):
            rs.restructuring_approve(restructuring=proposal, approved_by=advisor)
        with pytest.raises(ValidationError) as error:
            rs.restructuring_approve(restructuring=proposal, approved_by=other)
        assert set(error.value.message_dict) == {"circle_meeting", "circle_opinion"}
        with pytest.raises(ValidationError, match="attend déjà"):
            rs.restructuring_propose(loan=loan, proposed_by=advisor, kind="spread_arrears", reason="y")
        settings = OrganizationSettings.load()
        settings.restructuring_needs_circle = False
        settings.save()
        rs.restructuring_approve(restructuring=proposal, approved_by=other)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.circle_meeting, proposal.decided_by) == ("approved", None, other)
    assert ledger_differences() == []


def test_a_refusal_changes_nothing(loan):
    before = schedule(loan)
    with at(D(2026, 4, 20)):
        proposal = rs.restructuring_propose(
            loan=loan, proposed_by=AdvisorFactory(), kind="holiday", reason="x", holiday_periods=1
        )
        with pytest.raises(ValidationError):
            rs.restructuring_refuse(restructuring=proposal, refused_by=CoordinatorFactory(), note="")
        rs.restructuring_refuse(restructuring=proposal, refused_by=CoordinatorFactory(), note="Trop tôt")
    assert schedule(loan) == before
    assert not ScheduleVersion.objects.filter(loan=loan).exists()
    assert LoanPosition.objects.get(loan=loan).restructured_on is None


def test_a_loan_in_default_is_active_again_after_restructuring():
    with at(D(2025, 6, 5)):
        loan = disbursed_loan(amount="1200.00", term=6, disbursed_on=D(2025, 6, 5))
    with at(D(2025, 10, 20)):
        services.loans_mark_defaults()
    loan.refresh_from_db()
    assert loan.status == LoanStatus.DEFAULTED
    settings = OrganizationSettings.load()
    settings.restructuring_needs_circle = False
    settings.save()
    with at(D(2025, 10, 20)):
        proposal = rs.restructuring_propose(
            loan=loan, proposed_by=AdvisorFactory(), kind="longer_term", reason="x", new_term=6
        )
        rs.restructuring_approve(restructuring=proposal, approved_by=CoordinatorFactory())
        loan.refresh_from_db()
        assert loan.status == LoanStatus.ACTIVE
        assert selectors.days_past_due(loan) == 0
    # Nothing paid: all 1 200,00 over 6 instalments from 5 November; the four overdue instalments' interest
    # (6,00 + 5,01 + 4,02 + 3,02 = 18,05) carried.
    assert Instalment.objects.filter(loan=loan).order_by("number").first().due_date == D(2025, 11, 5)
    assert sum(i.principal_due for i in Instalment.objects.filter(loan=loan)) == M("1200.00")
    assert ledger_differences() == []


def test_the_board_sees_restructured_loans_apart_from_par(loan):
    approve(loan, RestructuringKind.SPREAD_ARREARS)
    totals = portfolio_figures(as_of=D(2026, 4, 20), start=D(2026, 1, 1), end=D(2026, 4, 20))["totals"]
    # Outstanding principal: 1 200,00 - 197,51 - 91,98.
    assert totals["outstanding"] == M("910.51")
    assert (totals["restructured_loans"], totals["restructured_amount"]) == (1, M("910.51"))
    assert totals["restructured_share"] == M("100.00")
    assert totals["par1_amount"] == M("0.00")  # current again: PAR alone would hide it
    before = portfolio_figures(as_of=D(2026, 4, 19), start=D(2026, 1, 1), end=D(2026, 4, 19))["totals"]
    assert before["restructured_loans"] == 0


def test_the_proposal_and_decision_pages_in_french(loan, client_for):
    advisor, coordinator = AdvisorFactory(), CoordinatorFactory()
    loan.circle.advisor = advisor
    loan.circle.save()
    url = reverse("loans:restructuring_propose", args=[loan.pk])
    with at(D(2026, 4, 20)):
        client = client_for(advisor)
        data = {"kind": "spread_arrears", "reason": "Perte de son principal client"}
        preview = client.post(url, {**data, "step": "preview"})
        assert preview.status_code == 200
        page = preview.content.decode()
        assert "Nouvel échéancier" in page and "1\u00a0225,07\u00a0$" in page and "3,99\u00a0$" in page
        missing = client.post(url, {"kind": "holiday", "reason": "x", "step": "preview"})
        assert "Indiquez combien de versements sont reportés." in missing.content.decode()
        response = client.post(url, {**data, "step": "propose"})
        proposal = loan.restructurings.get()
        assert response.url == reverse("loans:restructuring_detail", args=[proposal.pk])
        decided = client_for(coordinator).post(
            response.url,
            {"decision": "approve", "circle_meeting": meeting(loan).pk, "circle_opinion": "agrees"},
        )
        assert decided.status_code == 302
        page = client_for(coordinator).get(reverse("loans:loan_detail", args=[loan.pk])).content.decode()
    assert "Échéanciers précédents" in page and "Restructuré" in page
    assert ledger_differences() == []


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_approving_at_once_restructure_once():
    """The approval takes the loan's row lock, then the proposal's: the second finds it decided."""
    import threading

    from django.db import connection

    from loans.models import Restructuring

    loan = disbursed_loan(amount="1200.00", term=6)
    settings = OrganizationSettings.load()
    settings.restructuring_needs_circle = False
    settings.save()
    proposal = rs.restructuring_propose(
        loan=loan, proposed_by=AdvisorFactory(), kind="longer_term", reason="x", new_term=9
    )
    coordinators = [CoordinatorFactory(), CoordinatorFactory()]
    barrier = threading.Barrier(2)
    outcomes = []

    def approve_as(coordinator):
        try:
            barrier.wait()
            rs.restructuring_approve(
                restructuring=Restructuring.objects.get(pk=proposal.pk), approved_by=coordinator
            )
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=approve_as, args=(c,)) for c in coordinators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=len) == ["ok", "Cette restructuration a déjà été décidée."]
    assert ScheduleVersion.objects.filter(loan=loan).count() == 1
    assert Instalment.objects.filter(loan=loan).count() == 9
    assert ledger_differences() == []


# A loan 91 days late. 1 600,00 $ at 6 % a year, 12 monthly instalments from 5 October 2025: eleven of
# 137,71 $ and a last of 137,65 $ (interest 8,00 / 7,35 / 6,70 / 6,04 / 5,39 / 4,72 / 4,06 / 3,39 / 2,72 /
# 2,04 / 1,37 / 0,68). Paid: the first three in full (October to December) and 60,00 $ on 20 February.
# On 6 April 2026 the January instalment is 91 days late and four (January to April) are overdue: nine
# instalments are unpaid, 8 x 137,71 + 137,65 = 1 239,33 $ (principal 1 208,92, interest 30,41); the whole
# loan costs 1 652,46 $ (52,46 of interest). The restart date is 5 May; the schedule ends on 5 September.
LATE_DAY = D(2026, 4, 6)


@pytest.fixture
def late_loan():
    with at(D(2025, 9, 5)):
        loan = disbursed_loan(amount="1600.00", term=12, disbursed_on=D(2025, 9, 5))
    coordinator = CoordinatorFactory()
    with at(LATE_DAY):
        for amount, day in (
            ("137.71", D(2025, 10, 5)),
            ("137.71", D(2025, 11, 5)),
            ("137.71", D(2025, 12, 5)),
            ("60.00", D(2026, 2, 20)),
        ):
            services.payment_record(
                loan=loan, amount=M(amount), paid_on=day, method="cash", recorded_by=coordinator
            )
        assert selectors.days_past_due(loan) == 91
    return loan


def approve_late(loan, kind, **terms):
    with at(LATE_DAY):
        proposal = rs.restructuring_propose(
            loan=loan, proposed_by=AdvisorFactory(), kind=kind, reason="Saison creuse", **terms
        )
        return rs.restructuring_approve(
            restructuring=proposal,
            approved_by=CoordinatorFactory(),
            circle_meeting=Meeting.objects.create(circle=loan.circle, date=D(2026, 4, 1)),
            circle_opinion="agrees",
        )


def monthly(first: datetime.date, count: int) -> list[datetime.date]:
    return [rs.due_date(first, "monthly", k) for k in range(count)]


def test_a_holiday_on_a_loan_91_days_late_defers_the_nine_unpaid_instalments_as_they_are(late_loan):
    late_loan.product.holiday_interest_accrues = False
    late_loan.product.save()
    proposal = rs.new_rows(late_loan, kind=RestructuringKind.HOLIDAY, on=LATE_DAY, holiday_periods=2)
    # Still nine instalments of 137,71 $ (the last 137,65 $): the two of May and June are deferred, the
    # first falls on 5 July 2026, the last on 5 March 2027 (six months later than 5 September 2026).
    assert [(r.due_date, r.total) for r in proposal["rows"]] == list(
        zip(monthly(D(2026, 7, 5), 9), [M("137.71")] * 8 + [M("137.65")], strict=True)
    )
    assert [r.interest for r in proposal["rows"]] == [
        M(x) for x in ("6.04", "5.39", "4.72", "4.06", "3.39", "2.72", "2.04", "1.37", "0.68")
    ]
    figures = rs.comparison(late_loan, proposal)
    # Total cost unchanged: 1 652,46 $, of which 52,46 $ of interest.
    assert (figures["current_count"], figures["new_count"]) == (12, 12)
    assert (figures["current_total"], figures["new_total"], figures["extra_cost"]) == (
        M("1652.46"),
        M("1652.46"),
        M("0.00"),
    )
    assert figures["new_interest"] == M("52.46")

    approve_late(late_loan, RestructuringKind.HOLIDAY, holiday_periods=2)
    assert [(n, due, total) for n, due, _p, _i, total in _lines(late_loan)][3:] == list(
        zip(range(4, 13), monthly(D(2026, 7, 5), 9), [M("137.71")] * 8 + [M("137.65")], strict=True)
    )
    # The 60,00 of 20 February now sits on the first deferred instalment: 6,04 interest, 53,96 principal.
    fourth = Instalment.objects.get(loan=late_loan, number=4)
    assert [(a.interest, a.principal) for a in fourth.allocations.all()] == [(M("6.04"), M("53.96"))]
    with at(LATE_DAY):
        assert selectors.days_past_due(late_loan) == 0
        assert selectors.amount_owed(late_loan) == M("1239.33") - M("60.00")
    assert LoanPosition.objects.get(loan=late_loan).scheduled_cents == 165246
    assert ledger_differences() == []


def _lines(loan):
    return [
        (i.number, i.due_date, i.principal_due, i.interest_due, i.principal_due + i.interest_due)
        for i in Instalment.objects.filter(loan=loan).order_by("number")
    ]


def test_a_holiday_with_interest_accruing_adds_only_the_holidays_interest(late_loan):
    # Two months of interest on 1 208,92 $: 2 x 6,04 = 12,08 $, 1,34 $ on each instalment, 1,36 $ on the last.
    proposal = rs.new_rows(late_loan, kind=RestructuringKind.HOLIDAY, on=LATE_DAY, holiday_periods=2)
    assert [r.total for r in proposal["rows"]] == [M("139.05")] * 8 + [M("139.01")]
    assert proposal["rows"][0].due_date == D(2026, 7, 5)
    figures = rs.comparison(late_loan, proposal)
    assert (figures["new_total"], figures["extra_cost"]) == (M("1664.54"), M("12.08"))
    approve_late(late_loan, RestructuringKind.HOLIDAY, holiday_periods=2)
    assert Instalment.objects.filter(loan=late_loan).count() == 12
    assert ledger_differences() == []


def test_a_longer_term_on_a_late_loan_never_has_fewer_instalments_than_are_unpaid(late_loan):
    # Five instalments are still to come (May to September), but nine are unpaid: a "longer term" of 6 would
    # squeeze nine instalments into six larger ones.
    with pytest.raises(ValidationError) as error:
        rs.new_rows(late_loan, kind=RestructuringKind.LONGER_TERM, on=LATE_DAY, new_term=6)
    assert error.value.message_dict["new_term"] == [
        "Une durée plus longue compte au moins 9 versements (9 sont impayés) et au plus 240."
    ]
    # Nine from 5 May: 1 208,92 $ over nine months, 137,70 $ (the last 137,75 $), plus the four overdue
    # instalments' interest carried (6,04 + 5,39 + 4,72 + 4,06 = 20,21 $: 2,24 $ on each, 2,29 $ on the last).
    proposal = rs.new_rows(late_loan, kind=RestructuringKind.LONGER_TERM, on=LATE_DAY, new_term=9)
    assert [r.total for r in proposal["rows"]] == [M("139.94")] * 8 + [M("140.04")]
    assert proposal["rows"][-1].due_date == D(2027, 1, 5)
    approve_late(late_loan, RestructuringKind.LONGER_TERM, new_term=9)
    with at(LATE_DAY):
        assert selectors.days_past_due(late_loan) == 0
    assert ledger_differences() == []


def test_a_lower_instalment_on_a_late_loan_is_exactly_the_amount_asked(late_loan):
    # 120,00 $ a month from 5 May: the first pays the 20,21 $ of overdue interest and May's 6,04 $ (26,25 $)
    # and 93,75 $ of principal; ten instalments of 120,00 $ and a last of 64,84 $ on 5 March 2027.
    proposal = rs.new_rows(
        late_loan, kind=RestructuringKind.LOWER_INSTALMENT, on=LATE_DAY, new_instalment=M("120.00")
    )
    rows = proposal["rows"]
    assert [r.total for r in rows] == [M("120.00")] * 10 + [M("64.84")]
    assert (rows[0].interest, rows[0].principal) == (M("26.25"), M("93.75"))
    assert (rows[0].due_date, rows[-1].due_date) == (D(2026, 5, 5), D(2027, 3, 5))
    assert sum(r.principal for r in rows) == M("1208.92")
    approve_late(late_loan, RestructuringKind.LOWER_INSTALMENT, new_instalment=M("120.00"))
    assert ledger_differences() == []


def test_spreading_a_late_loans_arrears_keeps_its_end_date(late_loan):
    # The arrears spread is the one kind that keeps the end date: 1 208,92 $ over the five instalments to
    # come (May to September), 20,21 $ of overdue interest carried (4,04 $ on each, 4,05 $ on the last).
    proposal = rs.new_rows(late_loan, kind=RestructuringKind.SPREAD_ARREARS, on=LATE_DAY)
    rows = proposal["rows"]
    assert [r.due_date for r in rows] == monthly(D(2026, 5, 5), 5)
    assert sum(r.principal for r in rows) == M("1208.92")
    approve_late(late_loan, RestructuringKind.SPREAD_ARREARS)
    assert ledger_differences() == []


def test_arrears_cannot_be_spread_when_no_instalment_is_left_to_come():
    with at(D(2025, 1, 10)):
        loan = disbursed_loan(amount="1200.00", term=6, disbursed_on=D(2025, 1, 10))
    with pytest.raises(ValidationError, match="durée plus longue"):
        rs.new_rows(loan, kind=RestructuringKind.SPREAD_ARREARS, on=D(2025, 9, 1))


def test_the_preview_shows_the_instalment_count_end_and_cost_before_and_after(late_loan, client_for):
    advisor = AdvisorFactory()
    late_loan.circle.advisor = advisor
    late_loan.circle.save()
    url = reverse("loans:restructuring_propose", args=[late_loan.pk])
    data = {"kind": "longer_term", "new_term": "9", "reason": "Saison creuse", "step": "preview"}
    with at(LATE_DAY):
        page = client_for(advisor).post(url, data).content.decode()
    nbsp = "\u00a0"
    # Today: 12 instalments, 1 652,46 $ in all. After: 3 x 137,71 + 8 x 139,94 + 140,04 = 1 672,69 $.
    current = (
        f"12 versements, la plupart de 137,71{nbsp}$, le dernier le 5 septembre 2026 · "
        f"coût total 1{nbsp}652,46{nbsp}$"
    )
    new = (
        f"12 versements, la plupart de 139,94{nbsp}$, le dernier le 5 janvier 2027 · "
        f"coût total 1{nbsp}672,69{nbsp}$"
    )
    summaries = re.findall(r"data-testid=\"(?:current|new)-summary\">([^<]*)<", page)
    assert summaries == [current, new], summaries
    cost = page[page.index('data-testid="restructuring-cost"') :]
    instalments = f'137,71{nbsp}$</td><td class="text-end" data-testid="new-instalment">139,94{nbsp}$</td>'
    assert instalments in cost
    assert (
        '<td class="text-end">5 septembre 2026</td>'
        '<td class="text-end" data-testid="new-end">5 janvier 2027</td>' in cost
    )


def test_the_circle_can_only_have_been_informed_at_a_meeting_already_held(loan, client_for):
    coordinator = CoordinatorFactory()
    with at(D(2026, 4, 20)):
        proposal = rs.restructuring_propose(
            loan=loan, proposed_by=AdvisorFactory(), kind="spread_arrears", reason="x"
        )
    held = Meeting.objects.create(circle=loan.circle, date=D(2026, 4, 14), status="held")
    today = Meeting.objects.create(circle=loan.circle, date=D(2026, 4, 20))
    coming = Meeting.objects.create(circle=loan.circle, date=D(2026, 4, 28))
    cancelled = Meeting.objects.create(circle=loan.circle, date=D(2026, 4, 7), status="cancelled")
    url = reverse("loans:restructuring_detail", args=[proposal.pk])
    client = client_for(coordinator)
    with at(D(2026, 4, 20)):
        page = client.get(url).content.decode()
        offered = re.findall(r'<option value="(\d+)"', page)
        assert offered == [str(today.pk), str(held.pk)]
        assert "14 avril 2026" in page and "28 avril 2026" not in page
        posted = {"decision": "approve", "circle_meeting": coming.pk, "circle_opinion": "agrees"}
        response = client.post(url, posted)
        assert response.status_code == 200
        refusal = "Choisissez une rencontre du cercle déjà tenue (aujourd'hui ou avant)."
        assert refusal in html.unescape(response.content.decode())
        # The service refuses it too, at the field, whoever calls it.
        for meeting_ in (coming, cancelled):
            with pytest.raises(ValidationError) as error:
                rs.restructuring_approve(
                    restructuring=proposal,
                    approved_by=coordinator,
                    circle_meeting=meeting_,
                    circle_opinion="agrees",
                )
            assert error.value.message_dict["circle_meeting"] == [
                "Le cercle ne peut avoir été informé qu'à une rencontre déjà tenue\u00a0: choisissez-en une "
                "tenue au plus tard le 20 avril 2026."
            ]
    proposal.refresh_from_db()
    assert proposal.status == RestructuringStatus.PROPOSED
    assert not ScheduleVersion.objects.filter(loan=loan).exists()


def test_a_holiday_on_an_overdue_loan_says_why_the_end_moves_by_more_than_the_holiday(late_loan, client_for):
    # Four instalments overdue (5 January to 5 April): a holiday of 2 counts from the next due date, 5 May,
    # and re-dates all nine unpaid instalments from 5 July: the end moves by six months, not two.
    proposal = rs.new_rows(late_loan, kind=RestructuringKind.HOLIDAY, on=LATE_DAY, holiday_periods=2)
    assert rs.comparison(late_loan, proposal)["holiday_overdue"] == {
        "overdue": 4,
        "restart": D(2026, 5, 5),
        "start": D(2026, 7, 5),
    }
    advisor = AdvisorFactory()
    late_loan.circle.advisor = advisor
    late_loan.circle.save()
    url = reverse("loans:restructuring_propose", args=[late_loan.pk])
    with at(LATE_DAY):
        page = (
            client_for(advisor)
            .post(url, {"kind": "holiday", "holiday_periods": 2, "reason": "x", "step": "preview"})
            .content.decode()
        )
    assert (
        "La fin recule de plus que les versements reportés parce que 4 versements sont en retard\u00a0: le "
        "report compte à partir de la prochaine échéance, le 5 mai 2026, et tous les versements impayés, y "
        "compris ceux en retard, sont redatés dans l'ordre à partir du 5 juillet 2026."
    ) in html.unescape(page)
    # The last due dates beside it, long as in the summary above them.
    assert "5 septembre 2026" in page and "5 mars 2027" in page


def test_a_holiday_on_a_loan_up_to_date_needs_no_explanation(loan):
    proposal = rs.new_rows(loan, kind=RestructuringKind.HOLIDAY, on=D(2026, 1, 6), holiday_periods=2)
    assert rs.comparison(loan, proposal)["holiday_overdue"] is None


def test_a_loan_restructured_twice_stays_restructured_from_the_first_date(loan):
    """The second restructuring (20 June) keeps the first date (20 April): May still counts the loan
    restructured after it (before the fix, May read 1 before and 0 after), and the rebuild agrees."""
    approve(loan, RestructuringKind.SPREAD_ARREARS)

    def may():
        with at(D(2026, 6, 20)):
            return portfolio_figures(as_of=D(2026, 5, 31), start=D(2026, 5, 1), end=D(2026, 5, 31))["totals"]

    before = may()
    assert (before["restructured_loans"], before["restructured_share"]) == (1, M("100.00"))
    with at(D(2026, 6, 20)):
        proposal = rs.restructuring_propose(
            loan=loan, proposed_by=AdvisorFactory(), kind="longer_term", reason="Encore en retard", new_term=6
        )
        second = rs.restructuring_approve(
            restructuring=proposal,
            approved_by=CoordinatorFactory(),
            circle_meeting=Meeting.objects.create(circle=loan.circle, date=D(2026, 6, 16)),
            circle_opinion="agrees",
        )
    assert (second.status, second.decided_on) == (RestructuringStatus.APPROVED, D(2026, 6, 20))
    assert LoanPosition.objects.get(loan=loan).restructured_on == D(2026, 4, 20)
    after = may()
    # Still restructured in May, its whole balance (the second schedule reallocated the March payment, so the
    # balance itself moved by a few cents of interest).
    assert (after["restructured_loans"], after["restructured_share"]) == (1, M("100.00"))
    assert after["restructured_amount"] == after["outstanding"]
    assert ledger_differences() == []
