"""The loan screens over real HTTP, as each persona; bounded queries on the lists."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from circles.models import Membership
from loans.models import Loan, LoanStatus, Payment
from tests.factories import CoordinatorFactory
from tests.loans.documents import pdf_bytes
from tests.loans.factories import (
    LoanProductFactory,
    accepted_loan,
    approved_loan,
    disbursed_loan,
    request_in_circle,
    submitted_loan,
)
from tests.loans.helpers import post_and_confirm

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def loan(personas):
    """A disbursed loan of the persona entrepreneur, in a circle advised by the persona advisor."""
    return disbursed_loan(borrower=personas.entrepreneur, advisor=personas.advisor, amount="1500.00")


def _who(personas, name):
    return {"owner": personas.entrepreneur.user, "outsider": personas.other_entrepreneur.user}.get(
        name
    ) or getattr(personas, name)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coordinator", 200),
        ("advisor", 200),
        ("other_advisor", 200),
        ("owner", 200),
        ("outsider", 404),
        ("board", 404),
    ],
)
def test_the_loan_page(personas, client_for, loan, persona, status):
    response = client_for(_who(personas, persona)).get(reverse("loans:loan_detail", args=[loan.pk]))
    assert response.status_code == status


def test_the_borrower_sees_the_schedule_the_next_payment_and_the_guarantee(personas, client_for, loan):
    personas.entrepreneur.user.language = "en"
    personas.entrepreneur.user.save()
    page = (
        client_for(personas.entrepreneur).get(reverse("loans:loan_detail", args=[loan.pk])).content.decode()
    )
    assert "Guaranteed by the circle" in page
    assert 'data-testid="next-payment"' in page
    assert page.count("<tr") >= 12


def test_the_guarantee_is_stated_in_french_too(personas, client_for, loan):
    page = (
        client_for(personas.entrepreneur).get(reverse("loans:loan_detail", args=[loan.pk])).content.decode()
    )
    assert "Cautionné par le cercle" in page


def test_an_individual_loan_says_so(personas, client_for):
    loan = disbursed_loan(borrower=personas.entrepreneur, advisor=personas.advisor, amount="2000.01")
    personas.entrepreneur.user.language = "en"
    personas.entrepreneur.user.save()
    page = (
        client_for(personas.entrepreneur).get(reverse("loans:loan_detail", args=[loan.pk])).content.decode()
    )
    assert "Individual responsibility" in page


def test_an_entrepreneur_drafts_previews_and_submits(personas, client_for):
    circle_member = request_in_circle(borrower=personas.entrepreneur)  # puts the persona in an active circle
    Loan.objects.filter(pk=circle_member.pk).delete()
    client = client_for(personas.entrepreneur)
    product = LoanProductFactory()
    response = client.post(
        reverse("loans:loan_create"),
        {
            "product": product.pk,
            "amount": "1200.00",
            "term": "12",
            "purpose": "Machine à coudre",
            "plan_summary": "Retouches et couture sur mesure pour les familles du quartier.",
            "plan_market": "Le quartier Hochelaga et deux boutiques de vêtements voisines.",
            "plan_use_of_funds": "Une machine à coudre industrielle et une surjeteuse d'occasion.",
            "plan_projections": "Des ventes régulières dès le troisième mois d'activité, puis en hausse.",
            "document": SimpleUploadedFile("plan.pdf", pdf_bytes()),
        },
    )
    loan = Loan.objects.get(borrower=personas.entrepreneur)
    assert response.url == reverse("loans:loan_detail", args=[loan.pk])
    page = client.get(response.url)
    assert len(page.context["preview"]) == 12
    assert loan.plan_document.name.startswith("loans/plans/") and "plan.pdf" not in loan.plan_document.name
    client.post(reverse("loans:loan_submit", args=[loan.pk]))
    loan.refresh_from_db()
    assert loan.status == LoanStatus.SUBMITTED


def test_bad_requests_keep_what_was_typed(personas, client_for):
    product = LoanProductFactory()
    response = client_for(personas.entrepreneur).post(
        reverse("loans:loan_create"),
        {
            "product": product.pk,
            "amount": "99999",
            "term": "12",
            "purpose": "Un four à pain",
            "document": SimpleUploadedFile("plan.pdf", b"not a pdf"),
        },
    )
    assert response.status_code == 200
    assert "document" in response.context["form"].errors
    assert "Un four à pain" in response.content.decode()
    assert not Loan.objects.exists()


def test_the_document_is_downloadable_only_by_those_allowed(personas, client_for):
    loan = request_in_circle(borrower=personas.entrepreneur, advisor=personas.advisor)
    loan.plan_document.save("plan.pdf", SimpleUploadedFile("plan.pdf", b"%PDF-1.7 secret"))
    loan.plan_document_name = "plan.pdf"
    loan.save()
    url = reverse("loans:loan_document", args=[loan.pk])
    assert b"".join(client_for(personas.entrepreneur).get(url).streaming_content) == b"%PDF-1.7 secret"
    assert client_for(personas.advisor).get(url).status_code == 200
    assert client_for(personas.other_entrepreneur).get(url).status_code == 404
    assert client_for(personas.board).get(url).status_code == 404


def test_circle_members_vote_from_their_own_page(personas, client_for):
    loan = submitted_loan(advisor=personas.advisor)
    Membership.objects.create(circle=loan.circle, profile=personas.entrepreneur)
    client = client_for(personas.entrepreneur)
    page = client.get(reverse("loans:loan_detail", args=[loan.pk]))
    assert page.status_code == 200 and page.context["member_vote_form"]
    assert 'type="submit">Voter</button>' in page.content.decode()  # the verb, not the noun "Vote"
    assert "payments" not in page.context  # a peer sees the request, not the borrower's account
    client.post(reverse("loans:member_vote", args=[loan.pk]), {"vote": "for", "comment": "Bon projet"})
    assert loan.votes.get(member=personas.entrepreneur).vote == "for"


def test_outsiders_cannot_vote(personas, client_for):
    loan = submitted_loan()
    response = client_for(personas.other_entrepreneur).post(
        reverse("loans:member_vote", args=[loan.pk]), {"vote": "for"}
    )
    assert response.status_code == 404
    assert not loan.votes.exists()


def test_the_advisor_records_the_review_in_one_screen(personas, client_for):
    loan = submitted_loan(advisor=personas.advisor, amount="1800.00")
    voters = list(loan.circle.memberships.exclude(profile=loan.borrower).values_list("profile", flat=True))
    data = {f"vote_{pk}": "for" for pk in voters} | {"outcome": "circle_accepted", "remarks": "Projet solide"}
    response = client_for(personas.advisor).post(reverse("loans:circle_review", args=[loan.pk]), data)
    assert response.status_code == 302
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CIRCLE_ACCEPTED and loan.guarantors.count() == len(voters)


def test_a_decision_without_the_votes_is_refused_with_the_count(personas, client_for):
    loan = submitted_loan(advisor=personas.advisor)
    response = client_for(personas.advisor).post(
        reverse("loans:circle_review", args=[loan.pk]), {"outcome": "circle_accepted"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    loan.refresh_from_db()
    assert loan.status == LoanStatus.SUBMITTED


def test_a_refused_decision_records_no_vote_and_keeps_what_was_typed(personas, client_for):
    loan = submitted_loan(advisor=personas.advisor)
    first = loan.circle.memberships.exclude(profile=loan.borrower).first().profile_id
    # One vote for: short of the majority, so "accepted" is refused, and the vote with it.
    data = {f"vote_{first}": "for", f"comment_{first}": "Bon plan", "outcome": "circle_accepted"}
    response = client_for(personas.advisor).post(reverse("loans:circle_review", args=[loan.pk]), data)
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not loan.votes.exists()
    page = response.content.decode()
    assert "Bon plan" in page  # the form shows what was typed


def test_approval_queue_approve_and_disburse(personas, client_for):
    loan = accepted_loan(advisor=personas.advisor, amount="1500.00")
    client = client_for(personas.coordinator)
    queue = client.get(reverse("loans:approval_queue"))
    assert loan in queue.context["to_decide"]
    client.post(
        reverse("loans:loan_approve", args=[loan.pk]),
        {"decision": "approve", "amount": "1400.00", "term": "12"},
    )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED and loan.approved_amount == D("1400.00")
    post_and_confirm(
        client,
        reverse("loans:loan_disburse", args=[loan.pk]),
        {"disbursed_on": timezone.localdate().isoformat(), "method": "transfer", "reference": "VIR-9"},
    )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE and loan.instalments.count() == 12


def test_four_eyes_through_the_screen(personas, client_for):
    loan = accepted_loan(advisor=personas.advisor)
    loan.prepared_by = personas.coordinator
    loan.save()
    client = client_for(personas.coordinator)
    # No "Decide" for her (issue #13): the page says nothing she cannot do, and the form is not reached.
    page = client.get(reverse("loans:loan_detail", args=[loan.pk])).content.decode()
    assert reverse("loans:loan_approve", args=[loan.pk]) not in page
    response = client.post(
        reverse("loans:loan_approve", args=[loan.pk]),
        {"decision": "approve", "amount": "1500.00", "term": "12"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("loans:loan_detail", args=[loan.pk])
    assert "quatre yeux" in response.content.decode()
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CIRCLE_ACCEPTED


@pytest.mark.parametrize("persona", ["advisor", "owner", "board"])
def test_only_coordinators_decide_and_disburse(personas, client_for, persona):
    loan = approved_loan()
    for name in ("loans:loan_approve", "loans:loan_disburse", "loans:loan_write_off"):
        assert client_for(_who(personas, persona)).get(reverse(name, args=[loan.pk])).status_code == 404


def test_recording_a_payment_twice_with_the_same_form_records_one(personas, client_for, loan):
    client = client_for(personas.advisor)
    form = client.get(reverse("loans:payment_create", args=[loan.pk])).context["form"]
    data = {
        "submission_key": str(form["submission_key"].value()),
        "paid_on": timezone.localdate().isoformat(),
        "amount": "50.00",
        "method": "cash",
        "reference": "",
        "payer": personas.entrepreneur.pk,
    }
    url = reverse("loans:payment_create", args=[loan.pk])
    post_and_confirm(client, url, data)
    second = post_and_confirm(client, url, data)  # the form sent again, confirmed again
    assert second.status_code == 302
    assert Payment.objects.filter(loan=loan).count() == 1


def test_an_overpayment_is_refused_with_a_message_and_nothing_is_lost(personas, client_for, loan):
    client = client_for(personas.advisor)
    form = client.get(reverse("loans:payment_create", args=[loan.pk])).context["form"]
    response = client.post(
        reverse("loans:payment_create", args=[loan.pk]),
        {
            "submission_key": str(form["submission_key"].value()),
            "paid_on": timezone.localdate().isoformat(),
            "amount": "99999.00",
            "method": "cash",
            "reference": "REF-1",
            "payer": personas.entrepreneur.pk,
        },
    )
    assert response.status_code == 200
    assert "amount" in response.context["form"].errors
    assert "REF-1" in response.content.decode()
    assert not Payment.objects.exists()


def test_reversing_a_payment_through_the_screen(personas, client_for, loan):
    from loans import services

    payment = services.payment_record(
        loan=loan, amount=D("50"), paid_on=timezone.localdate(), method="cash", recorded_by=personas.advisor
    )
    client = client_for(personas.advisor)
    assert client.post(reverse("loans:payment_reverse", args=[payment.pk]), {"reason": ""}).status_code == 200
    client.post(reverse("loans:payment_reverse", args=[payment.pk]), {"reason": "Chèque retourné"})
    assert payment.reversal.reason == "Chèque retourné"
    assert (
        client_for(personas.entrepreneur).get(reverse("loans:payment_reverse", args=[payment.pk])).status_code
        == 404
    )


def test_the_arrears_list(personas, client_for):
    today = timezone.localdate()
    late = disbursed_loan(
        advisor=personas.advisor,
        disbursed_on=today - datetime.timedelta(days=70),
        first_due=today - datetime.timedelta(days=40),
    )
    on_time = disbursed_loan(advisor=personas.advisor)
    response = client_for(personas.advisor).get(reverse("loans:arrears"))
    rows = {loan.pk: loan.dpd for loan in response.context["loans"]}
    assert rows == {late.pk: 40}
    assert on_time.pk not in rows


def test_list_pages_are_bounded(personas, client_for, queries_for):
    coordinator = CoordinatorFactory()
    for _ in range(2):
        disbursed_loan(approver=coordinator)
    client = client_for(personas.coordinator)
    counts = {
        name: queries_for(client, reverse(name))
        for name in ("loans:loan_list", "loans:arrears", "loans:approval_queue")
    }
    home = queries_for(client, reverse("home"))
    for _ in range(6):
        disbursed_loan(approver=coordinator)
        accepted_loan()
    assert {name: queries_for(client, reverse(name)) for name in counts} == counts
    assert queries_for(client, reverse("home")) == home


def test_the_loan_page_is_bounded(personas, client_for, queries_for, loan):
    from loans import services

    client = client_for(personas.advisor)
    url = reverse("loans:loan_detail", args=[loan.pk])
    before = queries_for(client, url)
    for _ in range(5):
        services.payment_record(
            loan=loan,
            amount=D("20"),
            paid_on=timezone.localdate(),
            method="cash",
            recorded_by=personas.advisor,
        )
    assert queries_for(client, url) == before


def test_the_entrepreneur_home_shows_the_next_payment(personas, client_for, loan):
    page = client_for(personas.entrepreneur).get(reverse("home")).content.decode()
    assert 'data-testid="home-next-payment"' in page


def test_the_board_never_reaches_a_loan(personas, client_for, loan):
    client = client_for(personas.board)
    for name in ("loans:loan_list", "loans:arrears", "loans:approval_queue", "loans:guarantee_calls"):
        assert client.get(reverse(name)).status_code == 404
