"""A guarantee call closes itself once the borrower is no longer late (the walk-through's "Ouverte" call on a
loan already caught up): in the payment's transaction, with the outcome the payments say, and the guarantors
are told the way they were told it opened (a notice each, emailed once)."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from loans import services
from loans.models import (
    CallOutcome,
    Frequency,
    GuaranteeCall,
    GuaranteeCallNotice,
    LoanStatus,
    NoticeKind,
)
from tests.loans.factories import LoanProductFactory, disbursed_loan
from tests.loans.helpers import post_and_confirm

pytestmark = pytest.mark.django_db

D = datetime.date
MONTREAL = ZoneInfo("America/Montreal")


def _on(day, hour=10):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, tzinfo=MONTREAL), tick=False
    )


@pytest.fixture
def loan(django_capture_on_commit_callbacks):
    """1 200,00 $ in 6 x 200,00 $ due 2025-02-01 … 07-01, in default (and its call open) on 2025-05-03."""
    with _on(D(2025, 1, 1)):
        product = LoanProductFactory(
            name="Zéro", annual_rate=Decimal("0.00"), min_term=4, max_term=12, frequency=Frequency.MONTHLY
        )
        loan = disbursed_loan(
            amount="1200.00", term=6, product=product, disbursed_on=D(2025, 1, 1), first_due=D(2025, 2, 1)
        )
    with _on(D(2025, 5, 3), 6), django_capture_on_commit_callbacks(execute=True):
        assert services.loans_mark_defaults() == 1
    mail.outbox.clear()
    return loan


def _pay_on_the_page(client, loan, amount, payer):
    url = reverse("loans:payment_create", args=[loan.pk])
    form = client.get(url).context["form"]
    data = {
        "submission_key": str(form["submission_key"].value()),
        "paid_on": D(2025, 5, 20).isoformat(),
        "amount": amount,
        "method": "cash",
        "reference": "",
        "payer": payer.pk,
    }
    response = post_and_confirm(client, url, data, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302


def test_the_call_closes_when_the_arrears_are_caught_up_and_the_guarantors_are_told(
    loan, client_for, django_capture_on_commit_callbacks
):
    client = client_for(loan.circle.advisor)
    call = GuaranteeCall.objects.get(loan=loan)
    guarantors = list(loan.guarantors.select_related("member__user"))
    assert guarantors
    with _on(D(2025, 5, 20)), django_capture_on_commit_callbacks(execute=True):
        _pay_on_the_page(client, loan, "400,00", loan.borrower)  # 02-01 and 03-01: 04-01 still late
    call.refresh_from_db()
    assert call.is_open
    assert not mail.outbox
    with _on(D(2025, 5, 20)), django_capture_on_commit_callbacks(execute=True):
        _pay_on_the_page(client, loan, "400,00", loan.borrower)  # 04-01, 05-01: nothing late any more
    loan.refresh_from_db()
    call.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE
    assert not call.is_open and call.outcome == CallOutcome.BORROWER_CAUGHT_UP
    assert call.resolved_by == loan.circle.advisor and call.note
    closed = GuaranteeCallNotice.objects.filter(call=call, kind=NoticeKind.CLOSED)
    assert sorted(closed.values_list("member_id", flat=True)) == sorted(g.member_id for g in guarantors)
    emailed = [g.member.user.email for g in guarantors if g.member.user.email]
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(emailed)
    # The calls page shows it resolved, in French; the guarantor's pages no longer show it open.
    with _on(D(2025, 5, 20)):
        page = client.get(reverse("loans:guarantee_calls"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert "La personne emprunteuse a rattrapé ses retards" in page
        detail = reverse("loans:loan_detail", args=[loan.pk])
        page = client.get(detail, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert "n&#x27;est plus en retard" in page or "n'est plus en retard" in page
        member = client_for(guarantors[0].member.user)
        home = member.get(reverse("loans:guaranteed_list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'data-testid="guarantee-call"' not in home
    # The circle may endorse requests again: no unresolved call left.
    assert not GuaranteeCall.objects.filter(circle=call.circle, resolved_at__isnull=True).exists()


def test_members_who_paid_the_arrears_close_it_as_members_contributed(
    loan, client_for, django_capture_on_commit_callbacks
):
    client = client_for(loan.circle.advisor)
    member = loan.guarantors.first().member
    with _on(D(2025, 5, 20)), django_capture_on_commit_callbacks(execute=True):
        _pay_on_the_page(client, loan, "800,00", member)
    call = GuaranteeCall.objects.get(loan=loan)
    assert not call.is_open and call.outcome == CallOutcome.MEMBERS_CONTRIBUTED


def test_the_closing_email_is_in_the_guarantors_language(loan, django_capture_on_commit_callbacks):
    first, second = [g.member.user for g in loan.guarantors.select_related("member__user")[:2]]
    first.email, first.language = "garante@example.org", "fr-ca"
    second.email, second.language = "guarantor@example.org", "en"
    first.save()
    second.save()
    with _on(D(2025, 5, 20)), django_capture_on_commit_callbacks(execute=True):
        services.payment_record(
            loan=loan,
            amount=Decimal("800.00"),
            paid_on=D(2025, 5, 20),
            method="cash",
            recorded_by=loan.circle.advisor,
        )
    (french,) = [m for m in mail.outbox if m.to == ["garante@example.org"]]
    assert "est fermé" in french.subject
    assert "n'est plus en retard" in french.body
    (english,) = [m for m in mail.outbox if m.to == ["guarantor@example.org"]]
    assert "is closed" in english.subject and "is no longer late" in english.body
