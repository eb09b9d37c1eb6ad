"""The caseload counters the homes and the caseload read (issue #21, 1): kept in the transaction of every
kind of change (sessions, referrals, new people, advisor changes, email addresses, intake dates, loan
requests, disbursements, payments, reversals, write-offs, deleted profiles), always equal to a recount, and
read instead of counting the people (the homes' counts come from the counters' rows)."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching import services
from coaching.models import CaseloadCount, CaseloadTally
from coaching.models.positions import FLAGGED, NO_DAY, PEOPLE
from coaching.selectors import advisor_agenda, caseload_for, caseload_overview
from coaching.selectors.counts import counted, people_counts
from coaching.services.counts import caseload_count_differences, flagged_from
from loans import services as loan_services
from microcredit.accounts import services as account_services
from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core.models import OrganizationSettings
from tests.coaching.factories import PartnerFactory, days_ago
from tests.factories import AdvisorFactory, CoordinatorFactory, EntrepreneurFactory
from tests.loans.factories import disbursed_loan, request_in_circle, submitted_loan

pytestmark = pytest.mark.django_db


def agrees():
    assert caseload_count_differences() == []


def record(profile, held_on, follow_up=None):
    return services.session_record(
        profile=profile,
        advisor=profile.advisor,
        held_on=held_on,
        duration_minutes=45,
        mode="phone",
        topics=["finances"],
        recorded_by=profile.advisor,
        next_follow_up_on=follow_up,
    )


def test_flagged_from_is_the_first_day_a_flag_starts():
    day = datetime.date(2026, 3, 10)
    assert flagged_from(None, day, None, False, 30) == day + datetime.timedelta(days=31)
    assert flagged_from(day, day, None, False, 30) == day + datetime.timedelta(days=1)
    assert flagged_from(None, day, day - datetime.timedelta(days=5), False, 30) == day - datetime.timedelta(
        days=4
    )
    assert flagged_from(day, day, None, True, 30) == NO_DAY


class TestKeptByEveryChange:
    def test_people_advisors_emails_and_intake(self, personas):
        agrees()
        other = AdvisorFactory()
        profile = account_services.entrepreneur_create(
            first_name="Nouvelle", last_name="Personne", advisor=personas.advisor, send_invitation=False
        )
        agrees()
        account_services.entrepreneur_assign_advisor(profile=profile, advisor=other, changed_by=None)
        agrees()
        account_services.entrepreneur_assign_advisor(profile=profile, advisor=None, changed_by=None)
        agrees()
        account_services.entrepreneur_update(
            profile=profile,
            user_fields={"email": "nouvelle@example.org"},
            profile_fields={"intake_date": days_ago(200), "advisor": personas.advisor},
        )
        agrees()
        services.caseload_reassign(
            profiles=[profile],
            from_advisor=personas.advisor,
            to_advisor=other,
            changed_by=CoordinatorFactory(),
            reason="Charge",
        )
        agrees()
        assert CaseloadTally.objects.get(profile=profile).advisor_key == other.pk
        EntrepreneurProfile.objects.get(pk=profile.pk).delete()
        agrees()

    def test_sessions_and_referrals(self, personas):
        person = personas.entrepreneur
        session = record(person, days_ago(40), days_ago(2))
        agrees()
        services.session_update(session=session, changed_by=None, held_on=days_ago(3), next_follow_up_on=None)
        agrees()
        services.referral_create(
            profile=person,
            partner=PartnerFactory(),
            reason="Besoin",
            created_by=None,
            shared_items="Nom",
            consent=True,
        )
        agrees()

    def test_loans_requests_disbursements_payments_reversals_write_offs(self, personas):
        coordinator = CoordinatorFactory()
        draft = request_in_circle(borrower=personas.entrepreneur)
        agrees()
        loan_services.loan_submit(loan=draft, submitted_by=draft.borrower.user)
        agrees()
        assert CaseloadTally.objects.get(profile=personas.entrepreneur).pending_request
        loan_services.loan_withdraw(loan=draft, withdrawn_by=draft.borrower.user, reason="Plus tard")
        agrees()
        borrower = EntrepreneurFactory(advisor=personas.advisor)
        loan = disbursed_loan(borrower=borrower, approver=coordinator, disbursed_on=days_ago(100))
        agrees()
        late_since = CaseloadTally.objects.get(profile=borrower).arrears_since
        assert late_since is not None and late_since < timezone.localdate()
        payment = loan_services.payment_record(
            loan=loan,
            amount=Decimal("400.00"),
            paid_on=timezone.localdate(),
            method="cash",
            recorded_by=coordinator,
        )
        agrees()
        assert CaseloadTally.objects.get(profile=borrower).arrears_since > late_since
        loan_services.payment_reverse(
            payment=payment, reversed_by=coordinator, reason="Chèque sans provision"
        )
        agrees()
        assert CaseloadTally.objects.get(profile=borrower).arrears_since == late_since
        loan_services.loan_mark_default(loan=loan)
        loan.refresh_from_db()
        loan_services.loan_write_off(loan=loan, written_off_by=coordinator, reason="Entreprise fermée")
        agrees()
        assert CaseloadTally.objects.get(profile=borrower).arrears_since is None


class TestReadFromTheCounters:
    def test_the_counts_equal_a_recount_of_the_people(self, personas):
        coordinator = CoordinatorFactory()
        people = [personas.entrepreneur, *EntrepreneurFactory.create_batch(5, advisor=personas.advisor)]
        EntrepreneurFactory(advisor=None, user__email="")
        for number, person in enumerate(people):
            record(person, days_ago(10 * number), days_ago(10 * number - 4))
        disbursed_loan(borrower=people[1], approver=coordinator, disbursed_on=days_ago(80))
        submitted_loan(borrower=people[2])
        rows = caseload_for(personas.advisor, personas.advisor)
        agenda = advisor_agenda(personas.advisor)
        assert agenda["total"] == len(rows) == 6
        assert agenda["flagged"] == len([row for row in rows if row.flags]) > 0
        everyone = EntrepreneurProfile.objects.all()
        assert people_counts() == {
            "entrepreneurs": everyone.count(),
            "without_advisor": everyone.filter(advisor=None).count(),
            "without_email": everyone.filter(user__email="").count(),
        }
        load = next(row for row in caseload_overview(coordinator) if row.advisor == personas.advisor)
        assert load.entrepreneurs == 6
        assert load.overdue == len([row for row in rows if row.follow_up_state == "overdue"])

    def test_the_homes_count_no_people(self, personas, client_for):
        """The homes' counts read the counters: no COUNT over the entrepreneurs' profiles."""
        EntrepreneurFactory.create_batch(3, advisor=personas.advisor)
        for who in ("coordinator", "advisor"):
            client = client_for(getattr(personas, who))
            client.get("/")
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/").status_code == 200
            counts = [
                query["sql"]
                for query in queries
                if "COUNT(" in query["sql"] and 'FROM "accounts_entrepreneurprofile"' in query["sql"]
            ]
            assert counts == [], who
            assert any("coaching_caseloadcount" in query["sql"] for query in queries), who

    def test_a_changed_no_contact_delay_is_counted_live_until_the_rebuild(self, personas):
        record(personas.entrepreneur, days_ago(20))
        assert advisor_agenda(personas.advisor)["flagged"] == 0
        settings = OrganizationSettings.load()
        settings.coaching_no_contact_days = 10
        settings.save()
        today = timezone.localdate()
        assert counted([personas.advisor.pk], today, 10)[personas.advisor.pk]["flagged"] is None
        assert advisor_agenda(personas.advisor)["flagged"] == 1  # counted from the ranking meanwhile
        with pytest.raises(CommandError):
            call_command("rebuild_caseload", "--check")
        call_command("rebuild_caseload")
        assert counted([personas.advisor.pk], today, 10)[personas.advisor.pk]["flagged"] == 1
        agrees()


def test_the_check_finds_a_drifted_counter_and_the_rebuild_repairs_it(personas):
    record(personas.entrepreneur, days_ago(5))
    CaseloadCount.objects.filter(advisor_key=personas.advisor.pk, kind=PEOPLE).update(count=99)
    CaseloadCount.objects.filter(advisor_key=personas.advisor.pk, kind=FLAGGED).delete()
    assert len(caseload_count_differences()) >= 2
    with pytest.raises(CommandError, match="caseload positions, tallies or counters differ"):
        call_command("rebuild_caseload", "--check")
    call_command("rebuild_caseload")
    call_command("rebuild_caseload", "--check")
    agrees()
