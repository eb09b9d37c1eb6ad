"""Issue #13, points 1, 2, 3, 4 and 9: guarantors who know, requests that guide, four eyes without a dead
end, honest arrears, context where people look for it."""

import datetime
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from circles.models import Membership
from loans import selectors, services
from loans.models import GuaranteeCallNotice, Loan, LoanStatus
from loans.services.guarantors import guarantee_call_notice_deliver
from microcredit.core.formatting import format_date, format_money
from microcredit.core.models import OrganizationSettings
from tests.factories import AdvisorFactory, CoordinatorFactory
from tests.loans.factories import (
    LoanProductFactory,
    accepted_loan,
    disbursed_loan,
    request_in_circle,
    submitted_loan,
)

pytestmark = pytest.mark.django_db
PLAN = ("plan_summary", "plan_market", "plan_use_of_funds", "plan_projections")


def _overdue_loan(days_late, **kwargs):
    first_due = timezone.localdate() - datetime.timedelta(days=days_late)
    return disbursed_loan(disbursed_on=first_due - datetime.timedelta(days=30), first_due=first_due, **kwargs)


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- 1. Guarantors --------------------------------------------------------------------------------------


def test_the_vote_form_says_what_voting_for_means_within_the_threshold(client_for):
    loan = submitted_loan(amount="2000.00")
    voter = selectors.eligible_voters(loan)[0]
    page = _text(client_for(voter.user).get(reverse("loans:loan_detail", args=[loan.pk])))
    assert 'data-testid="vote-meaning"' in page
    assert "vous devenez l'une des personnes garantes de ce prêt" in page
    assert "2\u00a0000,00\u00a0$" in page


def test_the_vote_form_says_no_guarantee_above_the_threshold(client_for):
    loan = submitted_loan(amount="2000.01")
    voter = selectors.eligible_voters(loan)[0]
    page = _text(client_for(voter.user).get(reverse("loans:loan_detail", args=[loan.pk])))
    assert "responsabilité individuelle de la personne emprunteuse" in page
    assert "personne garante" not in page.split('data-testid="vote-meaning"')[1].split("</div>")[0]


def test_every_request_page_states_its_regime_from_the_draft_on(personas, client_for):
    small = request_in_circle(amount="1500.00", borrower=personas.entrepreneur)
    page = _text(client_for(personas.entrepreneur).get(reverse("loans:loan_detail", args=[small.pk])))
    assert "Garantie du cercle" in page
    big = request_in_circle(amount="2500.00")
    owner = big.borrower.user
    for url in (reverse("loans:loan_detail", args=[big.pk]), reverse("loans:loan_update", args=[big.pk])):
        page = _text(client_for(owner).get(url))
        assert "Responsabilité individuelle" in page and "2\u00a0500,00\u00a0$" in page
    services.loan_submit(loan=big, submitted_by=owner)
    page = _text(client_for(owner).get(reverse("loans:loan_detail", args=[big.pk])))
    assert "Responsabilité individuelle" in page


def test_a_guarantor_reads_the_loans_she_stands_behind_and_nothing_more(client_for):
    loan = _overdue_loan(40, amount="1500.00")
    guarantor = loan.guarantors.select_related("member__user").first().member
    client = client_for(guarantor.user)
    page = _text(client.get(reverse("loans:guaranteed_list")))
    today = timezone.localdate()
    late = [i for i in loan.instalments.order_by("number") if i.due_date < today]
    assert len(late) == 2  # due 40 and about 10 days ago
    overdue = sum((i.total_due for i in late), D("0"))
    assert f"<td>{loan.pk}</td>" in page
    assert format_money(D("1500.00")) in page
    assert f"{format_money(overdue)} depuis le {format_date(late[0].due_date)}" in page
    upcoming = loan.instalments.get(number=3)
    assert f"{format_money(upcoming.total_due)} · {format_date(upcoming.due_date)}" in page
    # Not a hole in the loan's policy: its page and its document stay closed to her.
    assert client.get(reverse("loans:loan_detail", args=[loan.pk])).status_code == 404
    assert client.get(reverse("loans:loan_document", args=[loan.pk])).status_code == 404
    # Her home page says she stands behind it and links the list.
    home = _text(client.get(reverse("home")))
    assert 'data-testid="home-guaranteed"' in home and reverse("loans:guaranteed_list") in home
    # A member who voted against, or anyone else, sees nothing of it.
    outsider = Membership.objects.filter(circle=loan.circle).exclude(
        profile__in=[g.member_id for g in loan.guarantors.all()] + [loan.borrower_id]
    )
    assert not outsider.exists()  # every eligible member voted for
    stranger = request_in_circle().borrower
    assert f"<td>{loan.pk}</td>" not in _text(client_for(stranger.user).get(reverse("loans:guaranteed_list")))


def test_above_the_threshold_nobody_is_a_guarantor(client_for):
    loan = accepted_loan(amount="2500.00")
    assert loan.guarantee_type == "individual" and not loan.guarantors.exists()
    voter = selectors.eligible_voters(loan)[0]
    assert f"<td>{loan.pk}</td>" not in _text(client_for(voter.user).get(reverse("loans:guaranteed_list")))


def test_a_guarantee_call_tells_each_guarantor_once_by_email_and_on_her_home(
    client_for, django_capture_on_commit_callbacks
):
    loan = _overdue_loan(95, amount="1500.00")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.loans_mark_defaults() == 1
    notices = list(GuaranteeCallNotice.objects.filter(call__loan=loan))
    assert len(notices) == 4 and all(n.sent_at and n.status == "sent" for n in notices)
    guarantor = notices[0].member.user
    to_her = [m for m in mail.outbox if m.to == [guarantor.email]]
    assert len(to_her) == 1 and f"nº\u00a0{loan.pk}" in to_her[0].subject
    # Run again (a retried or duplicated task): nothing is sent twice.
    assert guarantee_call_notice_deliver(notice_id=notices[0].pk) == "skipped"
    assert len([m for m in mail.outbox if m.to == [guarantor.email]]) == 1
    home = _text(client_for(guarantor).get(reverse("home")))
    assert 'data-testid="home-guarantee-call"' in home
    page = _text(client_for(guarantor).get(reverse("loans:guaranteed_list")))
    assert 'data-testid="guarantee-call"' in page


def test_a_failing_mail_server_hands_the_notice_back(monkeypatch, django_capture_on_commit_callbacks):
    loan = _overdue_loan(95, amount="1500.00")
    with django_capture_on_commit_callbacks(execute=False):
        services.loans_mark_defaults()
    notice = GuaranteeCallNotice.objects.filter(call__loan=loan).first()

    def broken(self, *args, **kwargs):
        raise ConnectionError("down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    with pytest.raises(ConnectionError):
        guarantee_call_notice_deliver(notice_id=notice.pk)
    notice.refresh_from_db()
    assert (notice.status, notice.sent_at, notice.attempts) == ("pending", None, 1)
    assert "down" in notice.error
    monkeypatch.undo()
    assert guarantee_call_notice_deliver(notice_id=notice.pk) == "sent"
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("sent", 2) and notice.sent_at


def test_a_notice_task_retries_the_mail_server_then_gives_up(monkeypatch, django_capture_on_commit_callbacks):
    from celery.exceptions import Retry

    from loans.tasks import send_reminder_guarantee_call

    loan = _overdue_loan(95, amount="1500.00")
    with django_capture_on_commit_callbacks(execute=False):
        services.loans_mark_defaults()
    notice = GuaranteeCallNotice.objects.filter(call__loan=loan).first()

    def broken(self, *args, **kwargs):
        raise ConnectionError("down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    with pytest.raises(Retry):  # retried later with backoff
        send_reminder_guarantee_call.apply(args=[notice.pk], throw=True).get()
    notice.refresh_from_db()
    assert notice.status == "pending"
    # The retries spent: failed for good, never sent twice, never left claimed.
    last = send_reminder_guarantee_call.apply(
        args=[notice.pk], retries=send_reminder_guarantee_call.max_retries
    )
    assert last.get() == "failed"
    notice.refresh_from_db()
    assert (notice.status, notice.sent_at) == ("failed", None) and "down" in notice.error
    assert guarantee_call_notice_deliver(notice_id=notice.pk) == "skipped"


def test_a_guarantor_without_an_address_is_not_emailed_and_kept_as_handled(
    django_capture_on_commit_callbacks,
):
    loan = _overdue_loan(95, amount="1500.00")
    with django_capture_on_commit_callbacks(execute=False):
        services.loans_mark_defaults()
    notice = GuaranteeCallNotice.objects.filter(call__loan=loan).select_related("member__user").first()
    type(notice.member.user).objects.filter(pk=notice.member.user_id).update(email="")
    assert guarantee_call_notice_deliver(notice_id=notice.pk) == "not_emailed"
    assert guarantee_call_notice_deliver(notice_id=notice.pk) == "skipped"
    notice.refresh_from_db()
    assert (notice.status, notice.sent_at) == ("not_emailed", None)
    assert not mail.outbox


# --- 4. Honest arrears ----------------------------------------------------------------------------------


def test_a_loan_91_days_late_agrees_everywhere(personas, client_for):
    loan = _overdue_loan(91, amount="1500.00", borrower=personas.entrepreneur, advisor=personas.advisor)
    advisor = client_for(personas.advisor)
    home = _text(advisor.get(reverse("home")))
    tile = home.split('data-testid="tile-arrears"')[1].split("</div>")[0]
    assert '<div class="stat">1' in tile
    arrears = advisor.get(reverse("loans:arrears"), {"mine": "1"})
    assert [row.pk for row in arrears.context["loans"]] == [loan.pk]
    assert selectors.arrears(personas.advisor, mine=True).count() == 1
    # "Whom to call next" names the borrower, with the same days late.
    call_next = home.split('data-testid="call-next"')[1].split("</section>")[0]
    assert "Marie Tremblay" in call_next and "Prêt en retard" in call_next and "91 jours" in call_next
    # Another advisor whose circle it is counts it too: the circle's advisor and the caseload's.
    other = AdvisorFactory()
    loan.circle.advisor = other
    loan.circle.save()
    assert selectors.arrears(other, mine=True).count() == 1
    assert selectors.arrears(personas.advisor, mine=True).count() == 1
    # The coordinator's tile is the whole arrears list.
    coordinator_home = _text(client_for(personas.coordinator).get(reverse("home")))
    assert '<div class="stat">1' in coordinator_home.split('data-testid="tile-arrears"')[1].split("</div>")[0]


def test_the_borrower_sees_what_is_overdue_now_then_the_next_instalment(personas, client_for):
    loan = _overdue_loan(91, amount="1500.00", borrower=personas.entrepreneur)
    lines = list(loan.instalments.order_by("number"))
    today = timezone.localdate()
    overdue = [i for i in lines if i.due_date < today]
    assert len(overdue) == 3  # due 91, about 61 and about 30 days ago
    amount = sum((i.total_due for i in overdue), D("0"))
    upcoming = next(i for i in lines if i.due_date >= today)
    client = client_for(personas.entrepreneur)
    for url in (reverse("home"), reverse("loans:loan_detail", args=[loan.pk])):
        page = _text(client.get(url))
        assert 'data-testid="overdue-now"' in page
        assert format_money(amount) in page
        assert format_date(overdue[0].due_date) in page and "91\u00a0jours de retard" in page
        assert format_money(upcoming.total_due) in page and format_date(upcoming.due_date) in page


# --- 3. Four eyes without a dead end --------------------------------------------------------------------


def test_only_who_may_decide_sees_decide_and_the_queue_says_who_waits(personas, client_for):
    loan = accepted_loan(advisor=personas.advisor)
    loan.prepared_by = personas.coordinator
    loan.save()
    assert not services.can_decide(loan, personas.coordinator)
    other = CoordinatorFactory()
    assert services.can_decide(loan, other)
    queue = _text(client_for(personas.coordinator).get(reverse("loans:approval_queue")))
    assert 'data-testid="waiting"' in queue and "En attente d'une autre personne" in queue
    assert reverse("loans:loan_approve", args=[loan.pk]) not in queue
    page = _text(client_for(other).get(reverse("loans:loan_detail", args=[loan.pk])))
    assert reverse("loans:loan_approve", args=[loan.pk]) in page


def test_with_one_coordinator_the_queue_says_nobody_else_may_decide(personas, client_for):
    loan = accepted_loan(advisor=personas.advisor)
    loan.prepared_by = personas.coordinator
    loan.save()
    queue = _text(client_for(personas.coordinator).get(reverse("loans:approval_queue")))
    assert "paramètres de l'organisme" in queue


def test_a_board_member_authorised_by_the_settings_decides(personas, client_for):
    loan = accepted_loan(advisor=personas.advisor)
    loan.prepared_by = personas.coordinator
    loan.save()
    board = client_for(personas.board)
    assert board.get(reverse("loans:approval_queue")).status_code == 404
    assert board.get(reverse("loans:loan_approve", args=[loan.pk])).status_code == 404
    settings = OrganizationSettings.load()
    settings.loan_second_approver_role = "board"
    settings.save()
    queue = _text(board.get(reverse("loans:approval_queue")))
    assert reverse("loans:loan_approve", args=[loan.pk]) in queue
    response = board.post(
        reverse("loans:loan_approve", args=[loan.pk]),
        {"decision": "approve", "amount": "1500,00", "term": "12"},
    )
    assert response.status_code == 302 and response.url == reverse("loans:approval_queue")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED and loan.approved_by == personas.board
    # Still nothing else of the loans: the page of a disbursable loan stays closed.
    assert board.get(reverse("loans:loan_detail", args=[loan.pk])).status_code == 404


def test_an_advisor_cannot_decide_unless_the_settings_say_so():
    loan = accepted_loan()
    advisor = AdvisorFactory()
    with pytest.raises(ValidationError):
        services.loan_approve(loan=loan, approved_by=advisor)
    settings = OrganizationSettings.load()
    settings.loan_second_approver_role = "advisor"
    settings.save()
    # Four eyes still: the advisor who recorded the circle's decision may not.
    assert not services.can_decide(loan, loan.circle_decided_by)
    assert services.loan_approve(loan=loan, approved_by=advisor).status == LoanStatus.APPROVED


# --- 2. Requests guided ---------------------------------------------------------------------------------


def test_submitting_needs_every_section_of_the_business_plan(personas, client_for):
    loan = request_in_circle(borrower=personas.entrepreneur)
    services.loan_request_update(loan=loan, changed_by=personas.entrepreneur.user, plan_market="Quartier")
    client = client_for(personas.entrepreneur)
    response = client.post(reverse("loans:loan_submit", args=[loan.pk]), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("au moins 40" in m and "Marché" in m for m in messages), messages
    loan.refresh_from_db()
    assert loan.status == LoanStatus.DRAFT


def test_a_person_has_one_open_request_unless_the_settings_allow_more(personas, client_for):
    first = request_in_circle(borrower=personas.entrepreneur)
    with pytest.raises(ValidationError) as caught:
        services.loan_request_create(
            borrower=personas.entrepreneur,
            prepared_by=personas.entrepreneur.user,
            product=first.product,
            amount=D("1000.00"),
            term=12,
            purpose="Autre projet",
        )
    assert f"(nº\u00a0{first.pk})" in caught.value.messages[0]
    # The form says it before anything is typed.
    form_page = client_for(personas.entrepreneur).get(reverse("loans:loan_create")).content.decode()
    assert 'data-testid="open-requests"' in form_page and "Vous avez déjà une demande ouverte" in form_page
    settings = OrganizationSettings.load()
    settings.loan_open_requests_max = 2
    settings.save()
    second = services.loan_request_create(
        borrower=personas.entrepreneur,
        prepared_by=personas.entrepreneur.user,
        product=first.product,
        amount=D("1000.00"),
        term=12,
        purpose="Autre projet",
    )
    assert second.status == LoanStatus.DRAFT
    services.loan_withdraw(loan=first, withdrawn_by=personas.entrepreneur.user)
    settings.loan_open_requests_max = 1
    settings.save()
    with pytest.raises(ValidationError):
        services.loan_request_create(
            borrower=personas.entrepreneur,
            prepared_by=personas.entrepreneur.user,
            product=first.product,
            amount=D("900.00"),
            term=12,
            purpose="Encore",
        )


def _request_data(product, **extra):
    return {"product": product.pk, "amount": "1500,00", "term": "12", "purpose": "Machine à coudre", **extra}


def test_the_form_refuses_a_text_too_long_and_keeps_what_was_typed(personas, client_for):
    product = LoanProductFactory()
    client = client_for(personas.entrepreneur)
    response = client.post(reverse("loans:loan_create"), _request_data(product, plan_summary="x" * 4001))
    assert response.status_code == 200
    assert "plan_summary" in response.context["form"].errors
    page = response.content.decode()
    assert 'maxlength="4000"' in page and "Machine à coudre" in page
    assert not Loan.objects.filter(borrower=personas.entrepreneur).exists()


def test_the_form_shows_the_limits_and_a_preview_without_javascript(personas, client_for):
    product = LoanProductFactory()
    client = client_for(personas.entrepreneur)
    page = _text(client.get(reverse("loans:loan_create")))
    assert "de 500,00\u00a0$ à 5\u00a0000,00\u00a0$, 6 à 36 versements" in page
    assert "js/loan_request.js" in page
    response = client.post(reverse("loans:loan_create"), {**_request_data(product), "preview": "1"})
    assert len(response.context["preview_rows"]) == 12
    assert not Loan.objects.filter(borrower=personas.entrepreneur).exists()  # nothing saved
    fragment = _text(client.get(reverse("loans:request_preview"), _request_data(product, amount="2 500")))
    assert "Responsabilité individuelle" not in fragment and "responsabilité individuelle" in fragment
    wrong = _text(client.get(reverse("loans:request_preview"), _request_data(product, amount="9000")))
    assert "5\u00a0000,00\u00a0$" in wrong and "Calendrier" not in wrong


# --- 9. Context -----------------------------------------------------------------------------------------


def test_the_circle_page_lists_its_requests_and_loans(personas, client_for, django_assert_max_num_queries):
    loan = disbursed_loan(advisor=personas.advisor)
    member = Membership.objects.filter(circle=loan.circle).exclude(profile=loan.borrower).first().profile
    request = services.loan_request_create(
        borrower=member,
        prepared_by=member.user,
        product=loan.product,
        amount=D("800.00"),
        term=6,
        purpose="Inventaire",
        plan_summary="Atelier de couture et retouches pour la clientèle du quartier.",
        plan_market="Les familles du quartier et deux boutiques de vêtements voisines.",
        plan_use_of_funds="Une machine à coudre industrielle et une surjeteuse d'occasion.",
        plan_projections="Des ventes régulières dès le troisième mois d'activité, puis en hausse.",
    )
    services.loan_submit(loan=request, submitted_by=member.user)
    page = _text(client_for(personas.advisor).get(reverse("circles:circle_detail", args=[loan.circle_id])))
    requests_part = page.split('data-testid="circle-requests"')[1].split("</ul>")[0]
    assert f"Prêt nº {request.pk}" in requests_part
    assert reverse("loans:loan_detail", args=[loan.pk]) in page.split('data-testid="circle-loans"')[1]


def test_the_loan_history_shows_payments_and_reversals_with_who(personas, client_for):
    loan = disbursed_loan(advisor=personas.advisor)
    payment = services.payment_record(
        loan=loan,
        amount=D("50.00"),
        paid_on=timezone.localdate(),
        method="cash",
        recorded_by=personas.advisor,
    )
    services.payment_reverse(
        payment=payment, reversed_by=personas.coordinator, reason="Chèque sans provision"
    )
    page = _text(client_for(personas.advisor).get(reverse("loans:loan_detail", args=[loan.pk])))
    history = page.split('data-testid="loan-history"')[1].split("</ol>")[0]
    assert 'data-kind="payment"' in history and str(personas.advisor) in history
    assert 'data-kind="reversal"' in history and str(personas.coordinator) in history
    assert "Chèque sans provision" in history
    # The circle's name once, not "Cercle Cercle …".
    assert f"Cercle {loan.circle.name}" not in page


def test_staff_read_staff_wording_on_a_file_without_a_circle(personas, client_for):
    page = _text(
        client_for(personas.advisor).get(
            reverse("accounts:entrepreneur_detail", args=[personas.other_entrepreneur.pk])
        )
    )
    assert "demandez à votre" not in page
    assert 'data-testid="no-circle"' in page


def test_the_guarantors_list_and_the_circle_page_cost_the_same_whatever_the_number_of_loans(
    personas, client_for, queries_for
):
    advisor = personas.advisor
    first = _overdue_loan(40, amount="1500.00", advisor=advisor)
    guarantor = first.guarantors.select_related("member__user").first().member
    circle = first.circle
    client = client_for(guarantor.user)
    staff = client_for(advisor)
    one = queries_for(client, reverse("loans:guaranteed_list"))
    circle_one = queries_for(staff, reverse("circles:circle_detail", args=[circle.pk]))
    home_one = queries_for(client, reverse("home"))
    from loans.models import Guarantor

    for _ in range(2):  # two more loans she stands behind, in other circles (as after a merge)
        Guarantor.objects.create(loan=disbursed_loan(amount="1000.00"), member=guarantor)
    others = Membership.objects.filter(circle=circle).exclude(profile__in=[guarantor, first.borrower])
    for member in others[:2]:  # and two requests under review in her circle
        request = services.loan_request_create(
            borrower=member.profile,
            prepared_by=member.profile.user,
            product=first.product,
            amount=D("800.00"),
            term=6,
            purpose="Inventaire",
            **dict.fromkeys(PLAN, "Une section du plan d'affaires, assez longue pour être soumise."),
        )
        services.loan_submit(loan=request, submitted_by=member.profile.user)
    assert len(selectors.guaranteed_loans(guarantor.user)) == 3
    assert queries_for(client, reverse("loans:guaranteed_list")) == one
    assert queries_for(client, reverse("home")) == home_one
    assert queries_for(staff, reverse("circles:circle_detail", args=[circle.pk])) == circle_one
