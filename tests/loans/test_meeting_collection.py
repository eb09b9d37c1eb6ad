"""Repayments collected at a circle meeting (issue #17, 4): the record screen shows what each member with an
open loan owes at the meeting's date and asks what she paid; the amounts are shown back, then the
attendance, the follow-ups and every payment are recorded together, all or nothing, each payment through
the payment service; the meeting's page shows what was collected. Real HTTP, in French, "21,50"."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from circles.models import MeetingStatus, Membership
from loans import selectors, services
from loans.models import Allocation, Loan, Payment
from loans.services.ledger import ledger_differences
from tests.circles.factories import MeetingFactory
from tests.loans.factories import LoanProductFactory, disbursed_loan, vote_all

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = timezone.localdate()
FR = {"HTTP_ACCEPT_LANGUAGE": "fr-ca"}


def second_loan(circle, borrower, *, amount="1000.00", disbursed_on) -> Loan:
    """A loan of another member of the same circle, through the real services."""
    loan = services.loan_request_create(
        borrower=borrower,
        prepared_by=borrower.user,
        product=LoanProductFactory(),
        amount=D(amount),
        term=10,
        purpose="Un four pour la boulangerie",
        plan_summary="Une petite boulangerie artisanale au coeur du quartier, ouverte six jours.",
        plan_market="Les voisins, deux cafés et le marché public du samedi matin, toute l'année.",
        plan_use_of_funds="Un four à sole d'occasion et une diviseuse de pâte remise à neuf.",
        plan_projections="Des ventes régulières dès le deuxième mois, les cafés commandent déjà.",
    )
    loan = services.loan_submit(loan=loan, submitted_by=borrower.user)
    vote_all(loan)
    loan = services.circle_decision_record(loan=loan, outcome="circle_accepted", decided_by=circle.advisor)
    from tests.factories import CoordinatorFactory

    approver = CoordinatorFactory()
    loan = services.loan_approve(loan=loan, approved_by=approver)
    return services.loan_disburse(
        loan=loan, disbursed_by=approver, disbursed_on=disbursed_on, method="transfer", reference="VIR-2"
    )


@pytest.fixture
def circle_loans(personas):
    """A circle of five, two of them repaying a loan whose first instalment was due ten days ago."""
    disbursed_on = TODAY - datetime.timedelta(days=40)
    first = disbursed_loan(
        borrower=personas.entrepreneur, advisor=personas.advisor, amount="1500.00", disbursed_on=disbursed_on
    )
    circle = first.circle
    other = next(m.profile for m in circle.memberships.all() if m.profile_id != first.borrower_id)
    second = second_loan(circle, other, disbursed_on=disbursed_on)
    return circle, first, second


def record_url(meeting) -> str:
    return reverse("circles:meeting_record", args=[meeting.pk])


def page_data(page, **overrides) -> dict:
    """What the record page sends as it is, with everyone present: every member's row, every loan's row."""
    formset, collection = page.context["formset"], page.context["collection_formset"]
    data = {"decisions": "", "shared_notes": "", "advisor_notes": ""}
    for prefix, forms in (("members", formset), ("collection", collection)):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(len(forms.forms)),
                f"{prefix}-INITIAL_FORMS": str(len(forms.forms)),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    for index, form in enumerate(formset):
        data[f"members-{index}-profile_id"] = form.initial["profile_id"]
        data[f"members-{index}-attendance"] = "present"
    for index, form in enumerate(collection):
        data[f"collection-{index}-loan_id"] = form.initial["loan_id"]
        data[f"collection-{index}-submission_key"] = str(form["submission_key"].value())
        data[f"collection-{index}-method"] = "cash"
        data[f"collection-{index}-amount"] = ""
        data[f"collection-{index}-reference"] = ""
    return {**data, **overrides}


def row_of(page, loan) -> int:
    return next(
        i for i, form in enumerate(page.context["collection_formset"]) if form.initial["loan_id"] == loan.pk
    )


def due_by(loan, on) -> Decimal:
    """What the loan asks by ``on``, worked from its instalments and allocations."""
    due = sum((i.total_due for i in loan.instalments.filter(due_date__lte=on)), D("0"))
    paid = sum(
        (
            a.principal + a.interest
            for a in Allocation.objects.filter(loan=loan, instalment__due_date__lte=on)
        ),
        D("0"),
    )
    return due - paid


def test_the_screen_shows_what_each_member_owes_at_the_meeting(personas, client_for, circle_loans):
    circle, first, second = circle_loans
    meeting = MeetingFactory(circle=circle, date=TODAY)
    page = client_for(personas.advisor).get(record_url(meeting), **FR)
    content = page.content.decode()
    assert "Remboursements perçus à la rencontre" in content
    rows = page.context["parts"][0].rows
    assert {row["loan"].pk for row in rows} == {first.pk, second.pk}
    for loan in (first, second):
        owed = due_by(loan, TODAY)
        assert owed > 0  # the first instalment, ten days late
        row = next(r for r in rows if r["loan"].pk == loan.pk)
        assert row["loan"].due.total == owed
    assert html.unescape(content).count("en retard depuis le") == 2
    # Three members have no loan: no row for them.
    assert len(rows) == 2


def test_a_meeting_with_two_payments_records_everything_together(personas, client_for, circle_loans):
    circle, first, second = circle_loans
    meeting = MeetingFactory(circle=circle, date=TODAY)
    client = client_for(personas.advisor)
    page = client.get(record_url(meeting), **FR)
    i, j = row_of(page, first), row_of(page, second)
    data = page_data(
        page,
        **{
            f"collection-{i}-amount": "21,50",
            f"collection-{j}-amount": "100,00",
            f"collection-{j}-method": "cheque",
            f"collection-{j}-reference": "CH-118",
            "members-0-progress": "Premier contrat signé",
        },
    )
    # First the amounts are shown back, nothing recorded.
    shown = client.post(record_url(meeting), data, **FR)
    assert shown.status_code == 200
    text = html.unescape(shown.content.decode()).replace("\u00a0", " ")
    assert "Vous enregistrez ces paiements avec la rencontre" in text
    assert "21,50 $" in text and "100,00 $" in text and "Au total : 121,50 $" in text
    assert not Payment.objects.exists()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED

    reviewed = shown.context["reviewed"]
    done = client.post(record_url(meeting), {**data, "step": "confirm", "reviewed": reviewed}, **FR)
    assert done.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert meeting.attendance.count() == 5 and meeting.follow_ups.count() == 1
    one, two = Payment.objects.get(loan=first), Payment.objects.get(loan=second)
    assert (one.amount, one.method, one.meeting_id, one.paid_on) == (D("21.50"), "cash", meeting.pk, TODAY)
    assert (two.amount, two.method, two.reference) == (D("100.00"), "cheque", "CH-118")
    # The usual allocation: the oldest instalment, interest first.
    interest = first.instalments.get(number=1).interest_due
    allocation = Allocation.objects.get(payment=one)
    assert allocation.interest == min(interest, D("21.50")) and allocation.instalment.number == 1
    assert ledger_differences() == []

    # Sent again (a double click, the back button): one payment each.
    client.post(record_url(meeting), {**data, "step": "confirm", "reviewed": reviewed}, **FR)
    assert Payment.objects.count() == 2

    detail = client.get(reverse("circles:meeting_detail", args=[meeting.pk]), **FR)
    collected = html.unescape(detail.content.decode()).replace("\u00a0", " ")
    assert "Remboursements perçus" in collected and "Total perçu" in collected and "121,50 $" in collected
    assert first.borrower.user.get_full_name() in collected and "CH-118" in collected
    # A member reads the meeting, never her peers' payments.
    member_page = client_for(personas.entrepreneur).get(
        reverse("circles:meeting_detail", args=[meeting.pk]), **FR
    )
    assert member_page.status_code == 200 and "CH-118" not in member_page.content.decode()


def test_one_refused_payment_refuses_the_whole_record_and_keeps_what_was_typed(
    personas, client_for, circle_loans
):
    circle, first, second = circle_loans
    meeting = MeetingFactory(circle=circle, date=TODAY)
    client = client_for(personas.advisor)
    page = client.get(record_url(meeting), **FR)
    i, j = row_of(page, first), row_of(page, second)
    data = page_data(
        page,
        **{
            f"collection-{i}-amount": "21,50",
            f"collection-{i}-reference": "REÇU-7",
            f"collection-{j}-amount": "99 999,00",
            "members-1-difficulties": "Un fournisseur en retard",
            "decisions": "On se revoit dans un mois",
        },
    )
    response = client.post(record_url(meeting), data, **FR)
    assert response.status_code == 200
    content = html.unescape(response.content.decode())
    assert "Rien n\u2019a été enregistré" in content
    # The error sits next to the second member's amount, in French.
    collection = response.context["collection_formset"]
    assert "dépasse les" in str(collection.forms[j].errors["amount"])
    assert not collection.forms[i].errors
    field = re.search(rf'<input[^>]*name="collection-{j}-amount"[^>]*>', content).group(0)
    assert 'value="99 999,00"' in field and "is-invalid" in field
    assert 'value="21,50"' in content and "REÇU-7" in content
    assert "Un fournisseur en retard" in content and "On se revoit dans un mois" in content
    assert "dépasse les" in content[content.index(f"collection-{j}-amount") :]
    assert not Payment.objects.exists()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and not meeting.attendance.exists()


def test_a_payment_refused_under_the_lock_rolls_the_whole_meeting_back(
    personas, client_for, circle_loans, monkeypatch
):
    """Accepted when shown back, then refused by the service under the loan's lock at Confirm (the loan was
    paid in between, after the screen's own check): the meeting, its attendance and the other payment,
    already written in the same transaction, are rolled back."""
    import loans.meeting_collection

    circle, first, second = circle_loans
    # The screen's check (before the lock) lets every amount through, as if it had run before the change.
    monkeypatch.setattr(loans.meeting_collection, "payment_check", lambda *, amount, **_kwargs: amount)
    meeting = MeetingFactory(circle=circle, date=TODAY)
    client = client_for(personas.advisor)
    page = client.get(record_url(meeting), **FR)
    i, j = row_of(page, first), row_of(page, second)
    owed = selectors.amount_owed(second)
    data = page_data(page, **{f"collection-{i}-amount": "21,50", f"collection-{j}-amount": "50,00"})
    shown = client.post(record_url(meeting), data, **FR)
    # Meanwhile, from the loan page, someone records everything the second loan owed but 10 $.
    services.payment_record(
        loan=second, amount=owed - D("10.00"), paid_on=TODAY, method="cash", recorded_by=personas.advisor
    )
    response = client.post(
        record_url(meeting), {**data, "step": "confirm", "reviewed": shown.context["reviewed"]}, **FR
    )
    assert response.status_code == 200
    content = html.unescape(response.content.decode())
    assert "Un paiement a été refusé" in content
    assert "dépasse les" in str(response.context["collection_formset"].forms[j].errors["amount"])
    field = re.search(rf'<input[^>]*name="collection-{j}-amount"[^>]*>', content).group(0)
    assert 'value="50,00"' in field and "is-invalid" in field
    assert list(Payment.objects.values_list("loan_id", flat=True)) == [second.pk]  # only the loan page's
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and not meeting.attendance.exists()
    assert ledger_differences() == []


def test_a_malformed_amount_is_refused_at_its_field(personas, client_for, circle_loans):
    circle, first, _second = circle_loans
    meeting = MeetingFactory(circle=circle, date=TODAY)
    client = client_for(personas.advisor)
    page = client.get(record_url(meeting), **FR)
    i = row_of(page, first)
    response = client.post(record_url(meeting), page_data(page, **{f"collection-{i}-amount": "21,5,0"}), **FR)
    assert response.status_code == 200
    assert response.context["collection_formset"].forms[i].errors["amount"]
    assert 'value="21,5,0"' in response.content.decode()
    assert not response.context.get("confirming")
    assert not Payment.objects.exists()


def test_a_meeting_without_amounts_records_as_before(personas, client_for, circle_loans):
    circle, *_loans = circle_loans
    meeting = MeetingFactory(circle=circle, date=TODAY)
    client = client_for(personas.advisor)
    page = client.get(record_url(meeting), **FR)
    response = client.post(record_url(meeting), page_data(page), **FR)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and not Payment.objects.exists()


def test_only_staff_record_payments_at_a_meeting(personas, client_for, circle_loans):
    circle, first, _second = circle_loans
    meeting = MeetingFactory(circle=circle, date=TODAY)
    page = client_for(personas.advisor).get(record_url(meeting), **FR)
    data = page_data(page, **{f"collection-{row_of(page, first)}-amount": "21,50", "step": "confirm"})
    for user in (personas.entrepreneur.user, personas.board):
        response = client_for(user).post(record_url(meeting), data)
        assert response.status_code in (403, 404)
    assert not Payment.objects.exists()


def test_the_screen_makes_the_same_number_of_queries_for_many_members(personas, client_for, queries_for):
    disbursed_on = TODAY - datetime.timedelta(days=40)
    counts = []
    for size in (1, 4):
        first = disbursed_loan(advisor=personas.advisor, amount="1500.00", disbursed_on=disbursed_on)
        circle = first.circle
        others = [m.profile for m in circle.memberships.all() if m.profile_id != first.borrower_id]
        for borrower in others[: size - 1]:
            second_loan(circle, borrower, disbursed_on=disbursed_on)
        meeting = MeetingFactory(circle=circle, date=TODAY)
        assert Loan.objects.filter(circle=circle, status="active").count() == size
        counts.append(queries_for(client_for(personas.advisor), record_url(meeting)))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 30


def test_members_who_left_and_closed_loans_are_not_collected(personas, client_for, circle_loans):
    circle, first, second = circle_loans
    Membership.objects.filter(profile=second.borrower).update(left_on=TODAY, leave_reason="left")
    meeting = MeetingFactory(circle=circle, date=TODAY)
    page = client_for(personas.advisor).get(record_url(meeting), **FR)
    assert [form.initial["loan_id"] for form in page.context["collection_formset"]] == [first.pk]


def test_a_loan_paid_off_at_the_meeting_and_the_form_sent_again_records_one_payment(
    personas, client_for, circle_loans
):
    circle, _first, second = circle_loans
    meeting = MeetingFactory(circle=circle, date=TODAY)
    client = client_for(personas.advisor)
    page = client.get(record_url(meeting), **FR)
    owed = selectors.amount_owed(second)
    typed = f"{owed}".replace(".", ",")
    data = page_data(page, **{f"collection-{row_of(page, second)}-amount": typed})
    shown = client.post(record_url(meeting), data, **FR)
    confirm = {**data, "step": "confirm", "reviewed": shown.context["reviewed"]}
    assert client.post(record_url(meeting), confirm, **FR).status_code == 302
    second.refresh_from_db()
    assert second.status == "repaid"
    # The same form again (the back button, a double click): the paid-off loan is still on the screen,
    # its payment found by its one-time key, nothing more recorded, no refusal.
    again = client.post(record_url(meeting), confirm, **FR)
    assert again.status_code == 302
    assert Payment.objects.filter(loan=second).count() == 1
    reopened = client.get(record_url(meeting), **FR)
    row = next(r for r in reopened.context["parts"][0].rows if r["loan"].pk == second.pk)
    assert row["collected_before"] == owed and row["loan"].due.total == 0
    assert ledger_differences() == []


def test_a_loan_written_off_since_the_screen_was_opened_is_refused_at_its_members_amount(
    personas, client_for, circle_loans
):
    circle, first, second = circle_loans
    meeting = MeetingFactory(circle=circle, date=TODAY)
    client = client_for(personas.advisor)
    page = client.get(record_url(meeting), **FR)
    i, j = row_of(page, first), row_of(page, second)
    services.loan_write_off(loan=second, written_off_by=personas.coordinator, reason="Entreprise fermée")
    data = page_data(page, **{f"collection-{i}-amount": "21,50", f"collection-{j}-amount": "40,00"})
    response = client.post(record_url(meeting), data, **FR)
    assert response.status_code == 200
    errors = response.context["collection_formset"].forms[j].errors
    assert "prêts débloqués qui ne sont pas clos" in html.unescape(str(errors["amount"]))
    assert not Payment.objects.exists()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_a_tampered_list_of_loans_is_refused_with_a_message_never_a_500(personas, client_for, circle_loans):
    circle, first, second = circle_loans
    meeting = MeetingFactory(circle=circle, date=TODAY)
    client = client_for(personas.advisor)
    page = client.get(record_url(meeting), **FR)
    j = row_of(page, second)
    for tampered in (
        {"collection-TOTAL_FORMS": "1", "collection-0-loan_id": str(first.pk), "collection-0-amount": "2"},
        {"collection-TOTAL_FORMS": "3", "collection-2-loan_id": "999999", "collection-2-amount": "5"},
        {f"collection-{j}-loan_id": str(first.pk), f"collection-{j}-amount": "5"},
    ):
        response = client.post(record_url(meeting), page_data(page, **tampered), **FR)
        assert response.status_code == 200
        assert "Rien n\u2019a été enregistré" in html.unescape(response.content.decode())
    assert not Payment.objects.exists()
