"""A circle's collection sheet (PDF, issue #17, 4): each member with an open loan and what she owes at the
circle's next planned meeting, in the reader's language; asked for from the circle's page by its staff,
built by the documents worker; an entrepreneur or a board member gets a 404."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from documents.models import Document, DocumentStatus
from loans import services
from microcredit.core.templatetags.microcredit import money
from tests.circles.factories import MeetingFactory
from tests.documents.conftest import flat, pdf_text
from tests.loans.factories import disbursed_loan

pytestmark = pytest.mark.django_db
D = Decimal
day = datetime.date


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(
        datetime.datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("America/Montreal")), tick=False
    ):
        yield


@pytest.fixture
def loan(personas):
    """Disbursed September 20, 2026: instalments due October 20, November 20, December 20… The first is
    paid; the second is late."""
    loan = disbursed_loan(
        borrower=personas.entrepreneur,
        advisor=personas.advisor,
        amount="1500.00",
        disbursed_on=day(2026, 9, 20),
    )
    services.payment_record(
        loan=loan,
        amount=loan.instalments.get(number=1).total_due,
        paid_on=day(2026, 10, 20),
        method="cash",
        recorded_by=personas.advisor,
    )
    return loan


def _money(amount, language) -> str:
    with translation.override(language):
        return flat(money(amount))


def _ask(client, circle, capture):
    with capture(execute=True):
        response = client.post(
            reverse("documents:document_request", args=["circle_collection_sheet"]), {"circle": circle.pk}
        )
    return response


def _text(client, response) -> str:
    assert response.status_code == 302, response.status_code
    document = Document.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert document.status == DocumentStatus.DONE
    download = client.get(reverse("documents:document_download", args=[document.pk]))
    return pdf_text(b"".join(download.streaming_content))


def test_the_sheet_lists_what_each_member_owes_at_the_next_meeting(
    personas, client_for, loan, django_capture_on_commit_callbacks
):
    circle = loan.circle
    MeetingFactory(circle=circle, date=day(2026, 11, 10))  # past: not the next one
    MeetingFactory(circle=circle, date=day(2026, 12, 20))
    MeetingFactory(circle=circle, date=day(2027, 1, 20))
    instalment = loan.instalments.get(number=2).total_due  # the level instalment
    client = client_for(personas.advisor)
    page = client.get(reverse("circles:circle_detail", args=[circle.pk])).content.decode()
    assert "Feuille de perception (PDF)" in page

    text = _text(client, _ask(client, circle, django_capture_on_commit_callbacks))
    # At the meeting of December 20: November's instalment (late) and December's (due that day).
    assert "Feuille de perception" in text and circle.name in text
    assert "20 décembre 2026" in text
    assert "Marie Tremblay" in text and str(loan.pk) in text
    assert _money(instalment, "fr-ca") in text  # overdue, and due that day
    assert _money(2 * instalment, "fr-ca") in text  # owed at the meeting
    # The members without a loan are named apart.
    others = [
        m.profile.user.get_full_name() for m in circle.memberships.all() if m.profile_id != loan.borrower_id
    ]
    assert "Membres sans prêt en cours" in text and all(name in text for name in others)


def test_the_sheet_in_english_for_an_english_reader(
    personas, client_for, loan, django_capture_on_commit_callbacks
):
    personas.advisor.language = "en"
    personas.advisor.save()
    MeetingFactory(circle=loan.circle, date=day(2026, 12, 20))
    instalment = loan.instalments.get(number=2).total_due
    client = client_for(personas.advisor)
    text = _text(client, _ask(client, loan.circle, django_capture_on_commit_callbacks))
    assert "Collection sheet" in text and "December 20, 2026" in text
    assert _money(2 * instalment, "en") in text and "Owed at the meeting" in text


def test_without_a_planned_meeting_the_sheet_says_what_is_due_today(
    personas, client_for, loan, django_capture_on_commit_callbacks
):
    client = client_for(personas.advisor)
    text = _text(client, _ask(client, loan.circle, django_capture_on_commit_callbacks))
    assert "Aucune rencontre prévue" in text and "22 novembre 2026" in text
    # Today: only November's instalment, late.
    assert _money(loan.instalments.get(number=2).total_due, "fr-ca") in text


def test_only_the_organizations_staff_get_the_sheet(
    personas, client_for, loan, django_capture_on_commit_callbacks
):
    circle = loan.circle
    for user in (personas.entrepreneur.user, personas.board):
        client = client_for(user)
        assert _ask(client, circle, django_capture_on_commit_callbacks).status_code == 404
    assert not Document.objects.exists()
    assert (
        _ask(client_for(personas.other_advisor), circle, django_capture_on_commit_callbacks).status_code
        == 302
    )
