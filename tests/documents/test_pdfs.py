"""What each PDF says, read back with pypdf: the expected names and figures, in the reader's language."""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from circles.models import AttendanceStatus, MeetingAttendance, MeetingStatus
from documents.models import Document
from documents.services import params_key, render_document
from loans import selectors as loan_selectors
from microcredit.core.templatetags.microcredit import money
from tests.circles.factories import MeetingFactory
from tests.documents.conftest import flat, pdf_text
from tests.loans.factories import approved_loan, disbursed_loan

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2026, 11, 22)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(
        datetime.datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("America/Montreal")), tick=False
    ):
        yield


def _pdf(kind: str, params: dict, user, language: str = "en") -> tuple[str, int, str]:
    document = Document(
        kind=kind, params=params, params_key=params_key(params), language=language, requested_by=user
    )
    content, pages, filename = render_document(document, TODAY)
    return pdf_text(content), pages, filename


def _money(amount, language="en") -> str:
    with translation.override(language):
        return flat(money(amount))


def test_the_statement_has_the_terms_guarantee_schedule_payments_and_balance(personas, loan):
    text, pages, filename = _pdf("loan_statement", {"loan": loan.pk}, personas.advisor)
    first = loan.instalments.get(number=1)
    for expected in (
        "Loan statement",
        f"Loan #{loan.pk}",
        "Marie Tremblay",
        "Amélie Gagnon",
        _money(D("1500.00")),  # amount approved
        "6%",  # the annual rate, the English way
        f"Guaranteed by the circle {loan.circle.phrase_name}",
        _money(first.total_due),  # the first instalment, paid
        "VIR-42",
        _money(loan_selectors.amount_owed(loan)),  # still owed
        _money(D("1500.00") - first.principal_due),  # principal outstanding
    ):
        assert expected in text, expected
    assert text.count("To come") == 11 and "Paid" in text
    assert pages >= 1 and filename == f"loan-statement-{loan.pk}-{TODAY.isoformat()}.pdf"


def test_the_statement_in_french_writes_amounts_and_dates_the_french_way(personas, loan):
    text, _pages, _filename = _pdf("loan_statement", {"loan": loan.pk}, personas.entrepreneur.user, "fr-ca")
    owed = _money(loan_selectors.amount_owed(loan), "fr-ca")
    assert owed.endswith(" $") and "," in owed
    assert owed in text and "1 500,00 $" in text
    assert "novembre 2026" in text  # "Prepared on 22 novembre 2026"
    assert "$1,500.00" not in text


def test_the_agreement_of_an_approved_loan_projects_its_schedule(personas):
    loan = approved_loan(borrower=personas.entrepreneur, advisor=personas.advisor, amount="2400.00", term=12)
    text, _pages, _filename = _pdf("loan_agreement", {"loan": loan.pk}, personas.advisor)
    assert "Loan agreement" in text and "Marie Tremblay" in text
    assert "Individual responsibility" in text  # above the $2,000 threshold
    assert _money(D("2400.00")) in text
    assert "The final schedule is set at disbursement" in text
    assert "The borrower" in text and "For the circle" not in text
    assert text.count(" / 1") >= 1 or "1 / " in text


def test_the_circle_report_has_members_meetings_attendance_and_loans(personas, loan):
    circle = loan.circle
    members = list(circle.memberships.select_related("profile__user"))
    meeting = MeetingFactory(
        circle=circle, date=TODAY - datetime.timedelta(days=20), status=MeetingStatus.HELD
    )
    for index, membership in enumerate(members):
        status = AttendanceStatus.ABSENT if index == 0 else AttendanceStatus.PRESENT
        MeetingAttendance.objects.create(meeting=meeting, profile=membership.profile, status=status)
    MeetingFactory(circle=circle, date=TODAY - datetime.timedelta(days=5), status=MeetingStatus.CANCELLED)
    text, _pages, _filename = _pdf("circle_report", {"circle": circle.pk}, personas.advisor)
    rate = round(100 * (len(members) - 1) / len(members))
    assert circle.name in text and "Amélie Gagnon" in text
    for membership in members:
        assert membership.profile.user.get_full_name() in text
    assert f"{rate}%" in text and f"{len(members) - 1}/{len(members)}" in text
    assert "November 2, 2026" in text  # the meeting held
    assert f"Members ({len(members)})" in text
    assert str(loan.pk) in text and _money(D("1500.00")) in text and "Disbursed" in text


def test_the_portfolio_report_has_the_figures_and_no_name(personas, loan):
    late = disbursed_loan(
        amount="1000.00",
        disbursed_on=TODAY - datetime.timedelta(days=70),
        first_due=TODAY - datetime.timedelta(days=40),
    )
    text, pages, _filename = _pdf("portfolio_report", {}, personas.board)
    # The board's version: fewer than 5 loans, so the portfolio's outstanding principal is hidden too.
    assert "Outstanding principal ($) —" in text
    assert "Active loans <5" in text
    assert "Portfolio report" in text and "<5" in text
    for person in (loan.borrower, late.borrower):
        # As whole words: a borrower named Marc must not be found in "March 2026".
        for name in (person.user.last_name, person.user.first_name):
            assert not re.search(rf"\b{re.escape(name)}\b", text), name
    assert loan.circle.name not in text
    assert pages >= 1
    # The same tables as the board's dashboard, as of the last month ended before the build (closed months
    # only), over the twelve months up to it.
    dates = "Portfolio as of October 31, 2026, period from November 1, 2025 to October 31, 2026"
    assert dates in flat(text)
    assert "Active borrowers" in text and "Collection rate" in text


def test_the_portfolio_report_shows_the_dates_asked_for(personas, loan):
    params = {"as_of": "2026-10-31", "start": "2026-01-01", "end": "2026-06-30"}
    text, _pages, filename = _pdf("portfolio_report", params, personas.board)
    assert "Portfolio as of October 31, 2026, period from January 1, 2026 to June 30, 2026" in flat(text)
    assert "2026-10-31" in filename
