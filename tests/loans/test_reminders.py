"""Repayment reminders: which instalments, exactly once, in the borrower's language, cancelled by a payment,
retried when the mail server fails; the advisors' digest; the record on the loan page."""

import datetime
import smtplib
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from loans import services
from loans.models import AdvisorDigest, Reminder, ReminderChannel, ReminderStatus
from loans.services.digests import digests_plan
from loans.services.reminders import ReminderPlan, kind_for, reminders_scan
from loans.tasks import scan_reminders, send_reminder
from microcredit import celery_app
from microcredit.core.jobs import retry_delay
from microcredit.core.models import OrganizationSettings
from microcredit.core.templatetags.microcredit import money
from tests.documents.worker import running_worker, wait_for
from tests.factories import EntrepreneurFactory
from tests.loans.factories import disbursed_loan
from tests.reports.test_french_reading import english_numbers, visible_text

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2026, 3, 10)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def frozen():
    with time_machine.travel(
        datetime.datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("America/Montreal")), tick=False
    ):
        yield TODAY


def _loan(borrower, *, first_due, advisor=None, amount="1200.00"):
    return disbursed_loan(
        borrower=borrower,
        advisor=advisor,
        amount=amount,
        disbursed_on=first_due - 30 * DAY,
        first_due=first_due,
    )


def _english(profile):
    profile.user.language = "en"
    profile.user.save()
    return profile


def _scan(capture, **kwargs):
    with capture(execute=True):
        return reminders_scan(**kwargs)


# --- When ------------------------------------------------------------------------------------------


def test_the_windows_of_each_reminder_with_a_few_days_to_catch_up():
    plan = ReminderPlan(before=3, after=(1, 7, 30))
    windows = plan.windows(TODAY)
    assert windows == [
        ("before_3", TODAY + 1 * DAY, TODAY + 3 * DAY),
        ("after_1", TODAY - 3 * DAY, TODAY - 1 * DAY),
        ("after_7", TODAY - 9 * DAY, TODAY - 7 * DAY),
        ("after_30", TODAY - 32 * DAY, TODAY - 30 * DAY),
    ]
    expected = {3: "before_3", 1: "before_3", 0: None, 4: None, -1: "after_1", -4: None, -7: "after_7"}
    expected |= {-10: None, -30: "after_30", -32: "after_30", -33: None}
    assert {days: kind_for(TODAY + days * DAY, windows) for days in expected} == expected


def test_offsets_close_together_never_overlap():
    windows = ReminderPlan(before=1, after=(1, 2, 3)).windows(TODAY)
    assert [(first, last) for _kind, first, last in windows] == [
        (TODAY + DAY, TODAY + DAY),
        (TODAY - DAY, TODAY - DAY),
        (TODAY - 2 * DAY, TODAY - 2 * DAY),
        (TODAY - 5 * DAY, TODAY - 3 * DAY),
    ]


def test_the_offsets_are_the_organization_settings(frozen, personas, django_capture_on_commit_callbacks):
    settings = OrganizationSettings.load()
    settings.reminder_days_before, settings.reminder_days_after = 5, "2,14"
    settings.save()
    coming = _loan(personas.entrepreneur, first_due=TODAY + 5 * DAY, advisor=personas.advisor)
    late = _loan(EntrepreneurFactory(), first_due=TODAY - 14 * DAY)
    _scan(django_capture_on_commit_callbacks)
    assert set(Reminder.objects.values_list("loan", "kind")) == {
        (coming.pk, "before_5"),
        (late.pk, "after_14"),
    }


# --- Exactly once ----------------------------------------------------------------------------------


def test_a_reminder_before_the_due_date_is_sent_once_even_when_the_scan_runs_twice(
    frozen, personas, django_capture_on_commit_callbacks
):
    loan = _loan(personas.entrepreneur, first_due=TODAY + 3 * DAY, advisor=personas.advisor)
    first = _scan(django_capture_on_commit_callbacks)
    second = _scan(django_capture_on_commit_callbacks)
    assert (first.emails_queued, second.emails_queued) == (1, 0)
    assert [m.to for m in mail.outbox] == [[personas.entrepreneur.user.email]]
    reminder = Reminder.objects.get()
    assert (reminder.loan, reminder.instalment.number, reminder.kind) == (loan, 1, "before_3")
    assert (reminder.channel, reminder.status) == (ReminderChannel.EMAIL, ReminderStatus.SENT)
    assert reminder.sent_at is not None and reminder.recipient == personas.entrepreneur.user.email
    assert reminder.amount == loan.instalments.get(number=1).total_due
    assert send_reminder.run(reminder.pk) == "skipped"  # a duplicate task finds it claimed
    assert len(mail.outbox) == 1


def test_paid_instalments_and_closed_loans_get_no_reminder(
    frozen, personas, django_capture_on_commit_callbacks
):
    paid = _loan(personas.entrepreneur, first_due=TODAY - 7 * DAY, advisor=personas.advisor)
    services.payment_record(
        loan=paid,
        amount=paid.instalments.get(number=1).total_due,
        paid_on=TODAY,
        method="cash",
        recorded_by=personas.advisor,
    )
    written_off = _loan(EntrepreneurFactory(), first_due=TODAY - 7 * DAY)
    services.loan_write_off(loan=written_off, written_off_by=personas.coordinator, reason="Faillite")
    assert _scan(django_capture_on_commit_callbacks).examined == 0
    assert not Reminder.objects.exists()


def test_a_payment_recorded_before_the_send_cancels_the_reminder(
    frozen, personas, django_capture_on_commit_callbacks
):
    loan = _loan(personas.entrepreneur, first_due=TODAY + 2 * DAY, advisor=personas.advisor)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        reminders_scan()
    services.payment_record(
        loan=loan, amount=D("500.00"), paid_on=TODAY, method="transfer", recorded_by=personas.advisor
    )
    for callback in queued:
        callback()
    assert mail.outbox == []
    reminder = Reminder.objects.get()
    assert reminder.status == ReminderStatus.CANCELLED
    assert "paid" in reminder.error


def test_the_scan_works_in_batches(frozen, personas, django_capture_on_commit_callbacks):
    for _ in range(5):
        _loan(EntrepreneurFactory(), first_due=TODAY + 3 * DAY)
    result = _scan(django_capture_on_commit_callbacks, batch_size=2)
    assert (result.batches, result.examined, result.emails_queued) == (3, 5, 5)
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == len(mail.outbox) == 5


def test_a_reminder_left_sending_by_a_dead_worker_is_failed_not_resent(frozen, personas):
    loan = _loan(personas.entrepreneur, first_due=TODAY + 3 * DAY, advisor=personas.advisor)
    Reminder.objects.create(
        loan=loan,
        instalment=loan.instalments.get(number=1),
        kind="before_3",
        channel="email",
        status=ReminderStatus.SENDING,
        claimed_at=timezone.now() - datetime.timedelta(hours=2),
    )
    reminders_scan()
    assert Reminder.objects.get().status == ReminderStatus.FAILED
    assert mail.outbox == []


# --- The email -------------------------------------------------------------------------------------


def test_the_email_in_english_says_how_much_when_how_to_pay_and_who_to_call(
    frozen, personas, django_capture_on_commit_callbacks
):
    _english(personas.entrepreneur)
    loan = _loan(personas.entrepreneur, first_due=TODAY + 3 * DAY, advisor=personas.advisor)
    _scan(django_capture_on_commit_callbacks)
    message = mail.outbox[0]
    with translation.override("en"):
        amount = money(loan.instalments.get(number=1).total_due)
    assert amount.startswith("$")
    assert message.subject == f"Reminder: {amount} due on March 13, 2026"
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert amount in body and "March 13, 2026" in body
        assert f"#{loan.pk}" in body and "How to pay" in body
        assert "Amélie Gagnon" in body and personas.advisor.email in body
    assert message.reply_to == [personas.advisor.email]


def test_the_email_in_french_formats_the_amount_and_the_date_the_french_way(
    frozen, personas, django_capture_on_commit_callbacks
):
    loan = _loan(personas.entrepreneur, first_due=TODAY + 3 * DAY, advisor=personas.advisor, amount="2000.00")
    assert personas.entrepreneur.user.language == "fr-ca"
    _scan(django_capture_on_commit_callbacks)
    message = mail.outbox[0]
    with translation.override("fr-ca"):
        amount = money(loan.instalments.get(number=1).total_due)
    assert amount.endswith("\xa0$") and "," in amount  # "172,13 $"
    html = message.alternatives[0][0]
    for text in (message.subject, message.body, html):
        assert amount in text and "13 mars 2026" in text
    assert "March" not in message.body and f"prêt nº {loan.pk}" in message.body
    for text in (message.subject, message.body, visible_text(html)):  # nothing written the English way
        assert english_numbers(text) == {}
    assert "Petit rappel" in message.body and "Comment payer" in message.body


def test_an_overdue_reminder_counts_the_days_and_the_whole_amount_late(
    frozen, personas, django_capture_on_commit_callbacks
):
    _english(personas.entrepreneur)
    loan = _loan(personas.entrepreneur, first_due=TODAY - 31 * DAY, advisor=personas.advisor)  # then 3 days
    _scan(django_capture_on_commit_callbacks)
    assert set(Reminder.objects.values_list("instalment__number", "kind")) == {
        (1, "after_30"),
        (2, "after_1"),
    }
    bodies = sorted(m.body for m in mail.outbox)
    assert any("31 days ago" in body for body in bodies) and any("3 days ago" in body for body in bodies)
    overdue = sum((i.total_due for i in loan.instalments.filter(number__lte=2)), D("0"))
    with translation.override("en"):
        assert all(f"In all, {money(overdue)} is overdue" in body for body in bodies)


# --- The mail server fails -------------------------------------------------------------------------


class FlakyBackend(EmailBackend):
    """Refuses every message to down@example.org; refuses the first message to flaky@example.org."""

    attempts: dict[str, int] = {}

    def send_messages(self, messages):
        for message in messages:
            address = message.to[0]
            FlakyBackend.attempts[address] = FlakyBackend.attempts.get(address, 0) + 1
            if address == "down@example.org" or (
                address == "flaky@example.org" and FlakyBackend.attempts[address] == 1
            ):
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def inline_retries():
    """Tasks run inline here; let their retries run inline too instead of surfacing as exceptions."""
    celery_app.conf.task_eager_propagates = False
    FlakyBackend.attempts = {}
    yield
    celery_app.conf.task_eager_propagates = True


def test_the_backoff_doubles_from_about_a_minute():
    delays = [retry_delay(retries) for retries in range(5)]
    for retries, delay in enumerate(delays):
        assert 0.8 * 60 * 2**retries <= delay <= 1.2 * 60 * 2**retries


@override_settings(EMAIL_BACKEND="tests.loans.test_reminders.FlakyBackend")
def test_a_failing_mail_server_is_retried_and_does_not_stop_the_other_reminders(
    frozen, inline_retries, django_capture_on_commit_callbacks
):
    people = {
        address: EntrepreneurFactory(user__email=address)
        for address in ("down@example.org", "flaky@example.org", "fine@example.org")
    }
    for profile in people.values():
        _loan(profile, first_due=TODAY + 3 * DAY)
    _scan(django_capture_on_commit_callbacks)
    outcome = {r.recipient or r.loan.borrower.user.email: r for r in Reminder.objects.select_related("loan")}
    assert outcome["down@example.org"].status == ReminderStatus.FAILED
    assert "SMTPServerDisconnected" in outcome["down@example.org"].error
    assert outcome["down@example.org"].attempts == 6  # the first try and five retries
    assert (outcome["flaky@example.org"].status, outcome["flaky@example.org"].attempts) == ("sent", 2)
    assert (outcome["fine@example.org"].status, outcome["fine@example.org"].attempts) == ("sent", 1)
    assert sorted(m.to[0] for m in mail.outbox) == ["fine@example.org", "flaky@example.org"]


# --- Without an email address: the advisor's digest ------------------------------------------------


def test_a_person_without_email_is_in_the_advisors_digest_of_people_to_call(
    frozen, personas, django_capture_on_commit_callbacks
):
    fatou = personas.other_entrepreneur  # no email address; followed by the other advisor
    personas.other_advisor.language = "en"
    personas.other_advisor.save()
    loan = _loan(fatou, first_due=TODAY + 3 * DAY)
    _scan(django_capture_on_commit_callbacks)
    reminder = Reminder.objects.get()
    assert (reminder.channel, reminder.status) == (ReminderChannel.ADVISOR_DIGEST, ReminderStatus.PENDING)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        digests_plan()
    with django_capture_on_commit_callbacks(execute=True):
        digests_plan()  # run twice: still one digest
    to_advisor = [m for m in mail.outbox if m.to == [personas.other_advisor.email]]
    assert len(to_advisor) == 1
    assert "Fatou Diallo" in to_advisor[0].body and f"#{loan.pk}" in to_advisor[0].body
    reminder.refresh_from_db()
    assert (reminder.status, reminder.recipient) == (ReminderStatus.SENT, personas.other_advisor.email)
    assert reminder.digest.advisor == personas.other_advisor
    assert AdvisorDigest.objects.get(advisor=personas.other_advisor).people_to_call == 1


def test_each_advisor_gets_one_digest_of_the_overdue_loans_of_their_circles_and_caseload(
    frozen, personas, django_capture_on_commit_callbacks
):
    personas.advisor.language = "en"
    personas.advisor.save()
    late = _loan(personas.entrepreneur, first_due=TODAY - 12 * DAY, advisor=personas.advisor)
    on_time = _loan(EntrepreneurFactory(advisor=personas.advisor), first_due=TODAY + 10 * DAY)
    with django_capture_on_commit_callbacks(execute=True):
        digests_plan()
    digest = mail.outbox[-1]
    assert digest.to == [personas.advisor.email]
    assert f"Loan #{late.pk}" in digest.body and "12 days late" in digest.body
    assert f"#{on_time.pk}" not in digest.body
    assert AdvisorDigest.objects.get(advisor=personas.other_advisor).status == "empty"
    assert len([m for m in mail.outbox if m.to == [personas.other_advisor.email]]) == 0


def test_without_email_nor_advisor_the_reminder_fails_visibly(frozen, django_capture_on_commit_callbacks):
    orphan = EntrepreneurFactory(user__email="", advisor=None)
    loan = _loan(orphan, first_due=TODAY + 3 * DAY)
    loan.circle.advisor.is_active = False
    loan.circle.advisor.save()
    _scan(django_capture_on_commit_callbacks)
    digests_plan()
    reminder = Reminder.objects.get()
    assert reminder.status == ReminderStatus.FAILED and "advisor" in reminder.error


# --- The loan page ---------------------------------------------------------------------------------


def test_the_loan_page_shows_the_reminders_to_staff_only(
    frozen, personas, client_for, queries_for, django_capture_on_commit_callbacks
):
    _english(personas.entrepreneur)
    personas.advisor.language = "en"
    personas.advisor.save()
    loan = _loan(personas.entrepreneur, first_due=TODAY - 7 * DAY, advisor=personas.advisor)
    url = reverse("loans:loan_detail", args=[loan.pk])
    staff = client_for(personas.advisor)
    before = queries_for(staff, url)
    _scan(django_capture_on_commit_callbacks)
    page = staff.get(url).content.decode()
    assert 'data-testid="reminders"' in page
    assert "7 days after the due date" in page and "Sent" in page
    assert personas.entrepreneur.user.email in page
    assert queries_for(staff, url) == before  # one query for the section, however many reminders
    borrower_page = client_for(personas.entrepreneur).get(url).content.decode()
    assert 'data-testid="reminders"' not in borrower_page


# --- Concurrency and a real worker -----------------------------------------------------------------


def _race(target, *args):
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(target(*args))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_scans_at_the_same_moment_send_each_reminder_once(personas):
    today = timezone.localdate()
    loans = [_loan(EntrepreneurFactory(), first_due=today + 3 * DAY) for _ in range(3)]
    results = _race(lambda: reminders_scan(today=today))  # tasks run inline: the scan sends too
    assert len(results) == 2
    assert Reminder.objects.count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(loan.borrower.user.email for loan in loans)
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.SENT}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_reminder_send_it_once(personas, monkeypatch):
    from loans.services import reminders

    today = timezone.localdate()
    _loan(personas.entrepreneur, first_due=today + 3 * DAY, advisor=personas.advisor)
    monkeypatch.setattr(reminders, "enqueue_reminders", lambda ids: None)  # claim only: the race sends
    reminders_scan(today=today)
    reminder = Reminder.objects.get()
    assert sorted(_race(send_reminder.run, reminder.pk)) == ["sent", "skipped"]
    assert len(mail.outbox) == 1


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_a_reminder_once_end_to_end(personas):
    today = timezone.localdate()
    loan = _loan(personas.entrepreneur, first_due=today + 3 * DAY, advisor=personas.advisor)
    with running_worker():
        assert scan_reminders.delay().get(timeout=30)["emails_queued"] == 1
        assert wait_for(lambda: Reminder.objects.filter(status=ReminderStatus.SENT).exists())
        assert scan_reminders.delay().get(timeout=30)["emails_queued"] == 0
    assert [m.to for m in mail.outbox] == [[personas.entrepreneur.user.email]]
    assert f"nº {loan.pk}" in mail.outbox[0].body  # in French, the entrepreneur's language


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@override_settings(EMAIL_BACKEND="tests.loans.test_reminders.FlakyBackend")
def test_a_real_worker_retries_a_failing_mail_server_without_holding_up_the_others(monkeypatch):
    # The backoff, shortened for the test.
    monkeypatch.setattr("microcredit.core.jobs.retry_delay", lambda retries: 0)
    FlakyBackend.attempts = {}
    today = timezone.localdate()
    for address in ("down@example.org", "flaky@example.org", "fine@example.org"):
        _loan(EntrepreneurFactory(user__email=address), first_due=today + 3 * DAY)
    with running_worker():
        assert scan_reminders.delay().get(timeout=30)["emails_queued"] == 3
        finished = Reminder.objects.filter(status__in=[ReminderStatus.SENT, ReminderStatus.FAILED])
        assert wait_for(lambda: finished.count() == 3, timeout=60)
    statuses = dict(Reminder.objects.values_list("loan__borrower__user__email", "status"))
    assert statuses == {"down@example.org": "failed", "flaky@example.org": "sent", "fine@example.org": "sent"}
    assert FlakyBackend.attempts == {"down@example.org": 6, "flaky@example.org": 2, "fine@example.org": 1}
    assert sorted(m.to[0] for m in mail.outbox) == ["fine@example.org", "flaky@example.org"]


def test_a_digest_costs_the_same_queries_for_two_people_to_call_or_six(
    frozen, personas, django_capture_on_commit_callbacks
):
    from django.test.utils import CaptureQueriesContext

    from loans.services.digests import digest_deliver
    from tests.factories import AdvisorFactory

    advisors = {2: AdvisorFactory(), 6: AdvisorFactory()}
    for count, advisor in advisors.items():
        for _ in range(count):
            person = EntrepreneurFactory(advisor=advisor, user__email="")
            _loan(person, first_due=TODAY + 3 * DAY)
    _scan(django_capture_on_commit_callbacks)
    ids = digests_plan()  # queued on commit: not sent yet in this test's transaction
    queries = {}
    for count, advisor in advisors.items():
        digest = AdvisorDigest.objects.get(pk__in=ids, advisor=advisor)
        with CaptureQueriesContext(connection) as captured:
            assert digest_deliver(digest_id=digest.pk) == "sent"
        queries[count] = len(captured)
        assert Reminder.objects.filter(digest=digest, status=ReminderStatus.SENT).count() == count
        for reminder in Reminder.objects.filter(digest=digest).select_related("instalment"):
            assert reminder.amount == reminder.instalment.total_due  # nothing paid yet: the whole instalment
    assert queries[2] == queries[6]


def test_a_digest_that_never_went_is_replaced_by_the_next_days_with_its_calls(
    frozen, personas, django_capture_on_commit_callbacks
):
    fatou = personas.other_entrepreneur  # no email address; followed by the other advisor
    _loan(fatou, first_due=TODAY + 3 * DAY)
    _scan(django_capture_on_commit_callbacks)
    yesterday = digests_plan(day=TODAY - DAY)  # queued on commit, which never comes here: it stays pending
    assert AdvisorDigest.objects.get(pk__in=yesterday, advisor=personas.other_advisor).status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        digests_plan()
    old = AdvisorDigest.objects.get(advisor=personas.other_advisor, day=TODAY - DAY)
    today = AdvisorDigest.objects.get(advisor=personas.other_advisor, day=TODAY)
    assert (old.status, today.status, today.people_to_call) == ("failed", "sent", 1)
    assert "next digest" in old.error
