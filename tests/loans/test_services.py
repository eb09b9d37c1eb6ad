import datetime
import threading
import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circles import services as circle_services
from loans import selectors, services
from loans.models import (
    CallOutcome,
    GuaranteeCall,
    GuaranteeType,
    Loan,
    LoanStatus,
    LoanTransition,
    Payment,
)
from loans.services.plan_files import validate_plan_document
from microcredit.core.models import OrganizationSettings
from tests.factories import CoordinatorFactory, EntrepreneurFactory
from tests.loans.documents import pdf_bytes
from tests.loans.factories import (
    LoanProductFactory,
    accepted_loan,
    approved_loan,
    disbursed_loan,
    request_in_circle,
    submitted_loan,
    vote_all,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Service messages are checked in English here; the screens' tests check both languages."""
    with translation.override("en"):
        yield


D = Decimal


def _history(loan):
    return list(LoanTransition.objects.filter(loan=loan).values_list("from_status", "to_status"))


# --- Requests and circle review ----------------------------------------------------------------------


def test_a_request_goes_to_the_applicants_circle():
    loan = submitted_loan()
    assert loan.status == LoanStatus.SUBMITTED and loan.circle is not None and loan.review_round == 1
    assert _history(loan) == [("draft", "submitted")]


def test_terms_outside_the_product_are_refused():
    with pytest.raises(ValidationError) as error:
        request_in_circle(amount="9000.00", term=48)
    assert set(error.value.message_dict) == {"amount", "term"}


def test_a_circle_below_four_cannot_review():
    loan = request_in_circle(members=4)
    membership = (
        loan.borrower.circle_memberships.get().circle.memberships.exclude(profile=loan.borrower).first()
    )
    circle_services.circle_member_remove(membership=membership, removed_by=None)
    with pytest.raises(ValidationError, match="fewer than 4"):
        services.loan_submit(loan=loan, submitted_by=loan.borrower.user)


def test_an_entrepreneur_outside_any_circle_cannot_submit():
    profile = EntrepreneurFactory()
    loan = services.loan_request_create(
        borrower=profile,
        prepared_by=profile.user,
        product=LoanProductFactory(),
        amount=D("1000"),
        term=12,
        purpose="Stock",
    )
    with pytest.raises(ValidationError, match="not an active member"):
        services.loan_submit(loan=loan, submitted_by=profile.user)


def test_the_applicant_never_votes_on_their_own_request():
    loan = submitted_loan()
    with pytest.raises(ValidationError, match="own request"):
        services.circle_vote_record(
            loan=loan, member=loan.borrower, vote="for", recorded_by=loan.circle.advisor
        )


def test_outsiders_do_not_vote():
    loan = submitted_loan()
    with pytest.raises(ValidationError, match="active members"):
        services.circle_vote_record(
            loan=loan, member=EntrepreneurFactory(), vote="for", recorded_by=loan.circle.advisor
        )


def test_acceptance_needs_a_majority_of_the_eligible_members():
    loan = submitted_loan(members=5)  # 4 eligible voters: 3 "for" are needed
    voters = selectors.eligible_voters(loan)
    for member, vote in zip(voters, ["for", "for", "against", "abstain"], strict=True):
        services.circle_vote_record(loan=loan, member=member, vote=vote, recorded_by=loan.circle.advisor)
    assert selectors.vote_tally(loan)["needed"] == 3
    with pytest.raises(ValidationError, match="do not accept"):
        services.circle_decision_record(loan=loan, outcome="circle_accepted", decided_by=loan.circle.advisor)
    services.circle_vote_record(loan=loan, member=voters[3], vote="for", recorded_by=loan.circle.advisor)
    loan = services.circle_decision_record(
        loan=loan, outcome="circle_accepted", decided_by=loan.circle.advisor
    )
    assert loan.status == LoanStatus.CIRCLE_ACCEPTED


def test_quorum_and_majority_are_organization_settings():
    settings_row = OrganizationSettings.load()
    settings_row.circle_vote_approval_percent = 25
    settings_row.save()
    loan = submitted_loan(members=5)
    member = selectors.eligible_voters(loan)[0]
    for other in selectors.eligible_voters(loan)[1:3]:
        services.circle_vote_record(loan=loan, member=other, vote="abstain", recorded_by=loan.circle.advisor)
    services.circle_vote_record(loan=loan, member=member, vote="for", recorded_by=loan.circle.advisor)
    # 25 %: more than 1 of 4 -> 2 needed; quorum 50 %: 3 votes cast is enough.
    assert selectors.vote_tally(loan)["needed"] == 2
    assert not selectors.vote_tally(loan)["accepted"]


@pytest.mark.parametrize(
    ("amount", "guarantee"), [("2000.00", GuaranteeType.CIRCLE), ("2000.01", GuaranteeType.INDIVIDUAL)]
)
def test_the_2000_threshold(amount, guarantee):
    loan = accepted_loan(amount=amount)
    assert loan.guarantee_type == guarantee
    assert loan.guarantors.count() == (4 if guarantee == GuaranteeType.CIRCLE else 0)


def test_the_threshold_is_an_organization_setting():
    settings_row = OrganizationSettings.load()
    settings_row.circle_guarantee_threshold = D("1000.00")
    settings_row.save()
    assert accepted_loan(amount="1500.00").guarantee_type == GuaranteeType.INDIVIDUAL


def test_returned_for_changes_then_resubmitted_starts_a_new_round():
    loan = submitted_loan()
    with pytest.raises(ValidationError):
        services.circle_decision_record(loan=loan, outcome="returned", decided_by=loan.circle.advisor)
    loan = services.circle_decision_record(
        loan=loan, outcome="returned", decided_by=loan.circle.advisor, remarks="Préciser les ventes prévues"
    )
    assert loan.status == LoanStatus.RETURNED
    loan = services.loan_request_update(
        loan=loan,
        changed_by=loan.borrower.user,
        plan_projections="Des ventes chaque semaine dès le premier mois, davantage au sixième.",
    )
    loan = services.loan_submit(loan=loan, submitted_by=loan.borrower.user)
    assert loan.review_round == 2
    assert selectors.vote_tally(loan)["cast"] == 0


def test_a_circle_with_an_open_guarantee_call_cannot_endorse():
    loan = submitted_loan()
    earlier = disbursed_loan(amount="1000.00")
    GuaranteeCall.objects.create(circle=loan.circle, loan=earlier)
    vote_all(loan)
    with pytest.raises(ValidationError, match="unresolved guarantee call"):
        services.circle_decision_record(loan=loan, outcome="circle_accepted", decided_by=loan.circle.advisor)


# --- Approval, four eyes, disbursement ------------------------------------------------------------------


def test_four_eyes():
    loan = accepted_loan()
    with pytest.raises(ValidationError, match="Four eyes"):
        services.loan_approve(loan=loan, approved_by=_as_coordinator(loan.circle_decided_by))
    loan.prepared_by = CoordinatorFactory()
    loan.save()
    with pytest.raises(ValidationError, match="Four eyes"):
        services.loan_approve(loan=loan, approved_by=loan.prepared_by)
    assert services.loan_approve(loan=loan, approved_by=CoordinatorFactory()).status == LoanStatus.APPROVED


def _as_coordinator(user):
    user.role, user.is_staff = "coordinator", True
    user.save()
    return user


def test_approval_may_lower_the_amount_never_raise_it():
    loan = accepted_loan(amount="1500.00")
    with pytest.raises(ValidationError) as error:
        services.loan_approve(loan=loan, approved_by=CoordinatorFactory(), amount=D("1600.00"))
    assert "amount" in error.value.message_dict
    loan = services.loan_approve(loan=loan, approved_by=CoordinatorFactory(), amount=D("1200.00"), term=10)
    assert (loan.approved_amount, loan.approved_term, loan.annual_rate) == (D("1200.00"), 10, D("6.00"))


def test_refusal_needs_a_reason():
    loan = accepted_loan()
    with pytest.raises(ValidationError):
        services.loan_refuse(loan=loan, refused_by=CoordinatorFactory(), reason=" ")
    assert (
        services.loan_refuse(loan=loan, refused_by=CoordinatorFactory(), reason="Projet non viable").status
        == "refused"
    )


def test_disbursement_creates_the_schedule():
    loan = disbursed_loan(amount="1200.00", term=12, disbursed_on=datetime.date(2026, 1, 5))
    instalments = list(loan.instalments.order_by("number"))
    assert len(instalments) == 12
    assert instalments[0].due_date == datetime.date(2026, 2, 5)
    assert sum(i.principal_due for i in instalments) == D("1200.00")
    assert loan.status == LoanStatus.ACTIVE


def test_the_full_history_is_recorded():
    loan = disbursed_loan()
    assert _history(loan) == [
        ("draft", "submitted"),
        ("submitted", "circle_accepted"),
        ("circle_accepted", "approved"),
        ("approved", "active"),
    ]


ALL_STATUSES = list(LoanStatus.values)
# The lifecycle of DOMAIN.md, written out: every other pair is refused.
EXPECTED_ALLOWED = {
    ("draft", "submitted"),
    ("draft", "withdrawn"),
    ("submitted", "returned"),
    ("submitted", "circle_accepted"),
    ("submitted", "circle_refused"),
    ("submitted", "withdrawn"),
    ("returned", "submitted"),
    ("returned", "withdrawn"),
    ("circle_accepted", "approved"),
    ("circle_accepted", "refused"),
    ("circle_accepted", "withdrawn"),
    ("approved", "active"),
    ("approved", "withdrawn"),
    ("active", "repaid"),
    ("active", "defaulted"),
    ("active", "written_off"),
    ("defaulted", "active"),
    ("defaulted", "repaid"),
    ("defaulted", "written_off"),
    ("repaid", "active"),
}


@pytest.mark.parametrize("source", ALL_STATUSES)
@pytest.mark.parametrize("target", ALL_STATUSES)
def test_only_allowed_transitions_happen(source, target):
    from loans.services.base import transition

    loan = request_in_circle()
    loan.status = source  # in memory: a refused transition must stop before anything is written
    assert services.can_transition(loan, target) == ((source, target) in EXPECTED_ALLOWED)
    if (source, target) not in EXPECTED_ALLOWED:
        with pytest.raises(ValidationError, match="cannot become"):
            transition(loan, target, actor=None)
        assert Loan.objects.get(pk=loan.pk).status == "draft"
        assert not LoanTransition.objects.filter(loan=loan, to_status=target).exists()


def test_withdrawal_is_possible_until_disbursement():
    for loan in (request_in_circle(), submitted_loan(), accepted_loan(), approved_loan()):
        assert (
            services.loan_withdraw(loan=loan, withdrawn_by=loan.borrower.user).status == LoanStatus.WITHDRAWN
        )
    with pytest.raises(ValidationError):
        loan = disbursed_loan()
        services.loan_withdraw(loan=loan, withdrawn_by=loan.borrower.user)


# --- Payments ----------------------------------------------------------------------------------------------


def _pay(loan, amount, **kwargs):
    defaults = {"paid_on": timezone.localdate(), "method": "cash", "recorded_by": loan.circle.advisor}
    return services.payment_record(loan=loan, amount=D(amount), **{**defaults, **kwargs})


def _paid(loan):
    return [
        (i.number, sum((a.interest + a.principal for a in i.allocations.all()), D("0")))
        for i in loan.instalments.order_by("number").prefetch_related("allocations")
    ]


def test_a_payment_goes_to_the_oldest_instalment_interest_first():
    loan = disbursed_loan(amount="1200.00", term=12)  # 6 % a year: first interest 6.00
    _pay(loan, "50.00")
    first = loan.instalments.get(number=1).allocations.get()
    assert (first.interest, first.principal) == (D("6.00"), D("44.00"))


def test_a_prepayment_goes_to_the_following_instalments():
    loan = disbursed_loan(amount="1200.00", term=12)
    first_total = loan.instalments.get(number=1).total_due
    _pay(loan, str(first_total + D("10.00")))
    assert _paid(loan)[:3] == [(1, first_total), (2, D("10.00")), (3, D("0"))]


def test_paying_more_than_owed_is_refused_with_the_amount_owed():
    loan = disbursed_loan(amount="1200.00", term=12)
    owed = selectors.amount_owed(loan)
    french = f"{owed:,.2f}".replace(",", "\xa0").replace(".", ",") + "\xa0$"
    for language, written in (("en", f"${owed:,.2f}"), ("fr-ca", french)):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            _pay(loan, str(owed + D("0.01")))
        assert written in refused.value.message_dict["amount"][0]
    assert not Payment.objects.filter(loan=loan).exists()


def test_paying_everything_closes_the_loan_and_a_reversal_reopens_it():
    loan = disbursed_loan(amount="1000.00", term=6)
    payment = _pay(loan, str(selectors.amount_owed(loan)))
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REPAID
    services.payment_reverse(payment=payment, reversed_by=loan.circle.advisor, reason="Chèque sans provision")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE
    assert selectors.amount_owed(loan) > 0
    assert Payment.objects.filter(pk=payment.pk).exists()  # never deleted


def test_a_reversal_reallocates_the_other_payments():
    loan = disbursed_loan(amount="1200.00", term=12)
    first = _pay(loan, "50.00", paid_on=timezone.localdate() - datetime.timedelta(days=2))
    _pay(loan, "60.00")
    services.payment_reverse(payment=first, reversed_by=loan.circle.advisor, reason="Erreur de dossier")
    allocation = loan.instalments.get(number=1).allocations.get()
    assert allocation.payment.amount == D("60.00")
    assert (allocation.interest, allocation.principal) == (D("6.00"), D("54.00"))
    with pytest.raises(ValidationError, match="already reversed"):
        services.payment_reverse(payment=first, reversed_by=loan.circle.advisor, reason="encore")


def test_the_same_submission_records_one_payment():
    loan = disbursed_loan()
    key = uuid.uuid4()
    first = _pay(loan, "20.00", submission_key=key)
    second = _pay(loan, "20.00", submission_key=key)
    assert first.pk == second.pk
    assert Payment.objects.filter(loan=loan).count() == 1


def test_a_guarantor_may_pay_an_outsider_may_not():
    loan = disbursed_loan(amount="1000.00")
    guarantor = loan.guarantors.first().member
    assert _pay(loan, "10.00", payer=guarantor).payer == guarantor
    with pytest.raises(ValidationError):
        _pay(loan, "10.00", payer=EntrepreneurFactory())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(st.decimals(min_value=D("0.01"), max_value=D("400.00"), places=2), min_size=1, max_size=8)
)
def test_allocation_never_exceeds_what_is_due(parts):
    loan = disbursed_loan(amount="1500.00", term=6)
    for part in parts:
        if part <= selectors.amount_owed(loan):
            _pay(loan, str(part))
    for instalment in loan.instalments.prefetch_related("allocations"):
        allocations = list(instalment.allocations.all())
        assert sum((a.interest for a in allocations), D("0")) <= instalment.interest_due
        assert sum((a.principal for a in allocations), D("0")) <= instalment.principal_due
    paid = sum(p.amount for p in Payment.objects.filter(loan=loan))
    due = sum(i.total_due for i in loan.instalments.all())
    assert selectors.amount_owed(loan) == due - paid


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_stay_consistent():
    loan = disbursed_loan(amount="1000.00", term=6)
    owed = selectors.amount_owed(loan)
    barrier = threading.Barrier(4)
    outcomes = []

    def pay(amount):
        try:
            barrier.wait()
            _pay(Loan.objects.get(pk=loan.pk), amount)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    # Four payments of 40 % of what is owed: only two fit.
    part = (owed * D("0.4")).quantize(D("0.01"))
    threads = [threading.Thread(target=pay, args=(str(part),)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "ok", "refused", "refused"]
    assert selectors.amount_owed(loan) == owed - 2 * part


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_at_the_same_moment_records_one_payment():
    loan = disbursed_loan()
    key = uuid.uuid4()
    barrier = threading.Barrier(2)

    def pay():
        try:
            barrier.wait()
            _pay(Loan.objects.get(pk=loan.pk), "25.00", submission_key=key)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Payment.objects.filter(loan=loan).count() == 1


# --- Arrears, default, guarantee call, write-off ---------------------------------------------------------


def _overdue_loan(days_late, **kwargs):
    today = timezone.localdate()
    first_due = today - datetime.timedelta(days=days_late)
    return disbursed_loan(disbursed_on=first_due - datetime.timedelta(days=30), first_due=first_due, **kwargs)


def test_days_past_due_count_from_the_oldest_unpaid_due_date():
    loan = _overdue_loan(45)
    assert selectors.days_past_due(loan) == 45
    _pay(loan, str(loan.instalments.get(number=1).total_due))
    second_due = loan.instalments.get(number=2).due_date  # one month after the first
    assert selectors.days_past_due(loan) == (timezone.localdate() - second_due).days
    assert 14 <= selectors.days_past_due(loan) <= 17


def test_a_partial_payment_leaves_the_instalment_unpaid():
    loan = _overdue_loan(10)
    _pay(loan, "5.00")
    assert selectors.days_past_due(loan) == 10


def test_default_opens_a_guarantee_call_and_tells_the_advisor(django_capture_on_commit_callbacks):
    loan = _overdue_loan(95, amount="1500.00")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.loans_mark_defaults() == 1
    loan.refresh_from_db()
    assert loan.status == LoanStatus.DEFAULTED
    call = GuaranteeCall.objects.get(loan=loan)
    assert call.circle == loan.circle and call.is_open
    guarantors = sorted(g.member.user.email for g in loan.guarantors.select_related("member__user"))
    assert len(guarantors) == 4
    # The circle's advisor, and each guarantor (issue #13).
    assert sorted(m.to[0] for m in mail.outbox) == sorted([loan.circle.advisor.email, *guarantors])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.loans_mark_defaults() == 0  # a second pass changes nothing
    assert len(mail.outbox) == 5


def test_a_loan_guaranteed_by_a_merged_circle_calls_on_the_circle_its_members_joined():
    from circles.services import circle_merge
    from tests.circles.factories import circle_with_members

    loan = _overdue_loan(95, amount="1500.00")
    successor = circle_with_members(2, advisor=loan.circle.advisor)
    circle_merge(absorbed=loan.circle, into=successor, merged_by=None)
    services.loans_mark_defaults()
    call = GuaranteeCall.objects.get(loan=loan)
    assert call.circle == successor and call.is_open
    # The members who stood behind the loan are now in the successor: it cannot guarantee another request.
    assert "unresolved guarantee call" in services.circle_review_blocker(successor)


@pytest.mark.django_db(transaction=True)
def test_the_nightly_default_pass_works_outside_any_transaction():
    # As the beat task runs it: each loan is locked inside its own transaction (a test transaction would
    # hide a missing one).
    loan = _overdue_loan(120, amount="1500.00")
    assert services.loans_mark_defaults() == 1
    loan.refresh_from_db()
    assert loan.status == LoanStatus.DEFAULTED and GuaranteeCall.objects.filter(loan=loan).exists()


def test_eighty_nine_days_is_not_yet_default():
    loan = _overdue_loan(89)
    services.loans_mark_defaults()
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE


def test_in_default_is_more_than_90_days_late_like_par90():
    exactly, more = _overdue_loan(90), _overdue_loan(91)
    assert services.loans_mark_defaults() == 1
    exactly.refresh_from_db()
    more.refresh_from_db()
    assert (exactly.status, more.status) == (LoanStatus.ACTIVE, LoanStatus.DEFAULTED)
    from loans.selectors import arrears_state

    assert arrears_state(exactly, 90) == "late"
    assert arrears_state(exactly, 91) == "in_default"


def test_an_individual_loan_in_default_opens_no_call():
    loan = _overdue_loan(120, amount="2500.00")
    services.loans_mark_defaults()
    assert not GuaranteeCall.objects.filter(loan=loan).exists()


def test_a_resolved_call_frees_the_circle():
    loan = _overdue_loan(95, amount="1500.00")
    services.loans_mark_defaults()
    call = GuaranteeCall.objects.get(loan=loan)
    assert services.circle_review_blocker(loan.circle)
    with pytest.raises(ValidationError):
        services.guarantee_call_resolve(
            call=call, outcome=CallOutcome.MEMBERS_CONTRIBUTED, resolved_by=loan.circle.advisor
        )
    services.guarantee_call_resolve(
        call=call,
        outcome=CallOutcome.MEMBERS_CONTRIBUTED,
        resolved_by=loan.circle.advisor,
        note="3 membres ont payé",
    )
    assert services.circle_review_blocker(loan.circle) is None


def test_write_off_by_a_coordinator_keeps_the_history_and_resolves_the_call():
    loan = _overdue_loan(100, amount="1500.00")
    services.loans_mark_defaults()
    with pytest.raises(ValidationError):
        services.loan_write_off(loan=loan, written_off_by=loan.circle.advisor, reason="Faillite")
    coordinator = CoordinatorFactory()
    loan = services.loan_write_off(loan=loan, written_off_by=coordinator, reason="Faillite")
    assert loan.status == LoanStatus.WRITTEN_OFF
    assert GuaranteeCall.objects.get(loan=loan).outcome == CallOutcome.WRITTEN_OFF
    assert _history(loan)[-2:] == [("active", "defaulted"), ("defaulted", "written_off")]


# --- The business plan document ---------------------------------------------------------------------------


def test_documents_are_checked_by_content():
    validate_plan_document(SimpleUploadedFile("plan.pdf", pdf_bytes(), content_type="application/pdf"))
    with pytest.raises(ValidationError, match="does not match"):
        validate_plan_document(SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf"))
    with pytest.raises(ValidationError, match="PDF or an office document"):
        validate_plan_document(SimpleUploadedFile("plan.exe", pdf_bytes()))


def test_an_office_document_is_recognised(tmp_path):
    import zipfile

    path = tmp_path / "plan.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    validate_plan_document(SimpleUploadedFile("plan.docx", path.read_bytes()))
    with pytest.raises(ValidationError):
        validate_plan_document(SimpleUploadedFile("plan.xlsx", path.read_bytes()))


def test_documents_over_10_mb_are_refused():
    big = SimpleUploadedFile("plan.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError, match="10 MB"):
        validate_plan_document(big)
