"""Repayment reminders: the daily scan, and the sending of each reminder.

Exactly once, even when the scan runs twice or on two workers at the same moment:
- the scan claims by INSERT: the unique (instalment, kind) constraint lets each reminder in once
  (``bulk_create(ignore_conflicts=True)``: ON CONFLICT DO NOTHING);
- sending claims the row again with a conditional UPDATE pending -> sending: of two tasks, one gets it;
- the email leaves after the claim, outside any transaction. A failure hands the row back (pending) for
  the task's retry; a payment recorded in the meantime cancels it at send time.
A worker that dies between the claim and the send leaves the row "sending": a later scan marks it failed
rather than risk a second email (at most once, and visible on the loan page).

Messages stored in ``Reminder.error`` for a cancellation are English msgids (``gettext_noop``), translated
when shown; an error from the mail server is kept as it came.
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from loans import selectors
from loans.models import Reminder, ReminderChannel, ReminderStatus
from loans.selectors import contact_advisor
from microcredit.accounts.consents import has_consent, on_withdrawal
from microcredit.accounts.models import ConsentPurpose, EntrepreneurProfile
from microcredit.core.emails import render_email
from microcredit.core.jobs import claim, describe, finish, give_up, hand_back
from microcredit.core.models import OrganizationSettings

logger = logging.getLogger(__name__)

# A reminder missed on its day (no worker, no beat) is still sent on the following days, up to this many
# days in all, but never past the next reminder nor, for the reminder before, past the due date.
CATCH_UP_DAYS = 3
BATCH_SIZE = 1000
STUCK_AFTER = datetime.timedelta(hours=1)

PAID = gettext_noop("The instalment was paid before the reminder left.")
CLOSED = gettext_noop("The loan is no longer open.")
OUTDATED = gettext_noop("The day of this reminder has passed.")
REPLACED = gettext_noop("The instalment was replaced by a new schedule.")
INTERRUPTED = gettext_noop("Interrupted while sending; not sent again, to avoid a duplicate.")

Window = tuple[str, datetime.date, datetime.date]  # (kind, first due date, last due date)


@dataclass(frozen=True)
class ReminderPlan:
    """When reminders go: ``before`` days before a due date, and ``after`` days after it (each)."""

    before: int
    after: tuple[int, ...]

    @classmethod
    def load(cls) -> "ReminderPlan":
        organization = OrganizationSettings.load()
        return cls(organization.reminder_days_before, tuple(organization.reminder_offsets_after))

    def windows(self, today: datetime.date) -> list[Window]:
        """For each kind of reminder, the due dates of the instalments it concerns today (disjoint)."""
        day = datetime.timedelta(days=1)
        span = min(CATCH_UP_DAYS, self.before)
        windows = [
            (f"before_{self.before}", today + (self.before - span + 1) * day, today + self.before * day)
        ]
        offsets = sorted(self.after)
        for index, days in enumerate(offsets):
            following = offsets[index + 1] if index + 1 < len(offsets) else None
            span = CATCH_UP_DAYS if following is None else min(CATCH_UP_DAYS, following - days)
            windows.append((f"after_{days}", today - (days + span - 1) * day, today - days * day))
        return windows


def kind_for(due_date: datetime.date, windows: list[Window]) -> str | None:
    return next((kind for kind, first, last in windows if first <= due_date <= last), None)


@dataclass
class ScanResult:
    examined: int = 0
    emails_queued: int = 0
    for_advisors: int = 0
    batches: int = 0
    failed_batches: int = 0


def enqueue_reminders(reminder_ids: list[int]) -> None:
    """Queue one send task per reminder (called after the batch commits). The seam a benchmark replaces."""
    from loans.tasks import send_reminder

    for reminder_id in reminder_ids:
        try:
            send_reminder.delay(reminder_id)
        except Exception:
            # The broker is unreachable (or, with tasks run inline, the send itself failed): the reminder
            # stays pending and the next scan queues it again. The others still go.
            logger.exception("Reminder %s could not be queued", reminder_id)


def reminders_scan(*, today: datetime.date | None = None, batch_size: int = BATCH_SIZE) -> ScanResult:
    """The daily pass: claim a reminder for each unpaid instalment of an open loan that is coming due or
    overdue by one of the organization's offsets, batch by batch (memory stays flat), and queue the
    emails. Re-running it creates nothing new and re-queues only what is still pending."""
    today = today or timezone.localdate()
    result = ScanResult()
    reminders_fail_stuck()
    for kind, due_date in _due_dates(ReminderPlan.load().windows(today)):
        after_pk = 0
        while rows := selectors.reminder_candidates(due_date, after_pk=after_pk, limit=batch_size):
            after_pk = rows[-1][0]
            result.batches += 1
            result.examined += len(rows)
            try:
                emails, for_advisors = _claim_batch(rows, kind)
            except Exception:
                # One bad batch (a lock timeout, a lost connection) must not stop the others.
                logger.exception("Reminder scan: the batch due %s ending at %s failed", due_date, after_pk)
                result.failed_batches += 1
                continue
            result.emails_queued += emails
            result.for_advisors += for_advisors
    logger.info("Reminder scan for %s: %s", today, result)
    return result


def _due_dates(windows: list[Window]):
    """Each due date the scan looks at today, with the kind of reminder it gets."""
    for kind, first, last in windows:
        for offset in range((last - first).days + 1):
            yield kind, first + datetime.timedelta(days=offset)


def _claim_batch(rows: list[tuple], kind: str) -> tuple[int, int]:
    claims = [
        Reminder(
            loan_id=loan_id,
            instalment_id=instalment_id,
            kind=kind,
            channel=ReminderChannel.EMAIL if email else ReminderChannel.ADVISOR_DIGEST,
        )
        for instalment_id, loan_id, email in rows
    ]
    with transaction.atomic():
        Reminder.objects.bulk_create(claims, ignore_conflicts=True)
        pending = list(
            Reminder.objects.filter(
                instalment_id__in=[claim.instalment_id for claim in claims],
                kind=kind,
                status=ReminderStatus.PENDING,
            ).values_list("pk", "channel")
        )
        emails = [pk for pk, channel in pending if channel == ReminderChannel.EMAIL]
        for_advisors = len(pending) - len(emails)
        if emails:
            transaction.on_commit(partial(enqueue_reminders, emails))
    return len(emails), for_advisors


def reminders_fail_stuck(now: datetime.datetime | None = None) -> int:
    """Rows left "sending" by a worker that died: marked failed, never sent twice."""
    cutoff = (now or timezone.now()) - STUCK_AFTER
    return Reminder.objects.filter(status=ReminderStatus.SENDING, claimed_at__lt=cutoff).update(
        status=ReminderStatus.FAILED, error=INTERRUPTED
    )


def why_not_needed(
    reminder: Reminder, left: Decimal, today: datetime.date, *, windows: list[Window] | None = None
) -> str:
    """Why a claimed reminder should not go any more (a msgid), or "" if it should."""
    if left <= 0:
        return PAID
    if reminder.loan.status not in selectors.OPEN_STATUSES:
        return CLOSED
    if windows is not None and kind_for(reminder.instalment.due_date, windows) != reminder.kind:
        return OUTDATED
    return ""


def reminder_deliver(*, reminder_id: int, today: datetime.date | None = None) -> str:
    """Send one reminder email if it is still pending and still needed. Returns what happened.

    Raises the mail server's error after handing the row back (pending), for the task to retry.
    """
    today = today or timezone.localdate()
    if not claim(Reminder, reminder_id, channel=ReminderChannel.EMAIL):
        return "skipped"
    reminder = Reminder.objects.select_related(
        "loan__borrower__user", "loan__borrower__advisor", "loan__circle__advisor", "instalment"
    ).get(pk=reminder_id)
    if reminder.instalment is None:
        finish(Reminder, reminder_id, ReminderStatus.CANCELLED, error=REPLACED)
        return ReminderStatus.CANCELLED
    left = selectors.instalment_left(reminder.instalment)
    reason = why_not_needed(reminder, left, today, windows=ReminderPlan.load().windows(today))
    if reason:
        finish(Reminder, reminder_id, ReminderStatus.CANCELLED, error=reason)
        return ReminderStatus.CANCELLED
    person = reminder.loan.borrower.user
    if not person.email or not has_consent(reminder.loan.borrower_id, ConsentPurpose.EMAIL_REMINDERS):
        # The address was removed, or the consent withdrawn, since the scan: their advisor calls them instead.
        hand_back(Reminder, reminder_id, channel=ReminderChannel.ADVISOR_DIGEST)
        return "to_advisor"
    message = reminder_message(reminder, left=left, today=today)
    try:
        message.send()
    except Exception as error:
        hand_back(Reminder, reminder_id, error=describe(error))
        raise
    finish(
        Reminder,
        reminder_id,
        ReminderStatus.SENT,
        recipient=person.email,
        amount=left,
        sent_at=timezone.now(),
    )
    return ReminderStatus.SENT


def reminder_fail(*, reminder_id: int, error: str) -> None:
    """Give up on a reminder (the retries are spent, or the error is not one a retry fixes)."""
    give_up(Reminder, reminder_id, error=error)


def reminder_message(reminder: Reminder, *, left: Decimal, today: datetime.date) -> EmailMultiAlternatives:
    """The email to the borrower, in their language, from templates/emails/reminder*."""
    loan = reminder.loan
    person = loan.borrower.user
    due_date = reminder.instalment.due_date
    advisor = contact_advisor(loan)
    context = {
        "person": person,
        "loan": loan,
        "instalment": reminder.instalment,
        "amount": left,
        "due_date": due_date,
        "is_before": reminder.is_before,
        "days_late": (today - due_date).days,
        "overdue_total": None if reminder.is_before else selectors.loan_overdue_amount(loan, today),
        "advisor": advisor,
        "organization": OrganizationSettings.load(),
        "link": settings.SITE_URL + reverse("loans:loan_detail", args=[loan.pk]),
    }
    return render_email(
        "reminder",
        context,
        to=[person.email],
        language=person.language,
        reply_to=[advisor.email] if advisor and advisor.email else None,
    )


@on_withdrawal(ConsentPurpose.EMAIL_REMINDERS)
def reminders_stop_emails(profile: EntrepreneurProfile, subject: str) -> int:
    """Consent to reminders by email withdrawn: from this moment no email leaves; the pending ones go to her
    advisor's daily digest (a call) instead."""
    return Reminder.objects.filter(
        loan__borrower=profile, channel=ReminderChannel.EMAIL, status=ReminderStatus.PENDING
    ).update(channel=ReminderChannel.ADVISOR_DIGEST, claimed_at=None)
