"""The advisors' daily digest: the overdue loans of their circles and caseload, and the people without an
email address whom they should call about a reminder. One email per advisor per day.

Exactly once: the unique (advisor, day) row is claimed by INSERT, then pending -> sending; the reminders a
digest lists are claimed for it the same way, so two digests never list the same reminder.
"""

import datetime
import logging
from collections import defaultdict
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from loans import selectors
from loans.models import AdvisorDigest, DigestStatus, Reminder, ReminderChannel, ReminderStatus
from loans.services.reminders import why_not_needed
from microcredit.accounts.models import Role, User
from microcredit.core.emails import render_email
from microcredit.core.jobs import claim, describe, finish, give_up, hand_back
from microcredit.core.models import OrganizationSettings
from microcredit.core.money import ZERO

logger = logging.getLogger(__name__)

NO_ADVISOR = gettext_noop("No active advisor to call this person.")
ADVISOR_WITHOUT_EMAIL = gettext_noop("The advisor has no email address.")
STUCK_AFTER = datetime.timedelta(hours=1)


def enqueue_digests(digest_ids: list[int]) -> None:
    from loans.tasks import send_reminder_digest

    for digest_id in digest_ids:
        try:
            send_reminder_digest.delay(digest_id)
        except Exception:  # stays pending; a later run of the day queues it again, the next day's replaces it
            logger.exception("Advisor digest %s could not be queued", digest_id)


def digests_plan(*, day: datetime.date | None = None) -> list[int]:
    """Claim today's digest of every active advisor (once, whoever runs it) and queue the pending ones."""
    day = day or timezone.localdate()
    _fail_orphans()
    AdvisorDigest.objects.filter(
        status=DigestStatus.SENDING, claimed_at__lt=timezone.now() - STUCK_AFTER
    ).update(status=DigestStatus.FAILED, error=gettext_noop("Interrupted while sending."))
    # A digest of an earlier day that never went (its queueing failed): today's carries its calls instead,
    # since the reminders are claimed only when a digest is sent.
    AdvisorDigest.objects.filter(day__lt=day, status=DigestStatus.PENDING).update(
        status=DigestStatus.FAILED, error=gettext_noop("Not sent on its day: the next digest has its calls.")
    )
    advisors = User.objects.filter(role=Role.ADVISOR, is_active=True).values_list("pk", flat=True)
    with transaction.atomic():
        AdvisorDigest.objects.bulk_create(
            [AdvisorDigest(advisor_id=pk, day=day) for pk in advisors], ignore_conflicts=True
        )
        pending = list(
            AdvisorDigest.objects.filter(day=day, status=DigestStatus.PENDING).values_list("pk", flat=True)
        )
        if pending:
            transaction.on_commit(partial(enqueue_digests, pending))
    return pending


def _fail_orphans() -> int:
    """Reminders for people with neither an email address nor an active advisor to call them."""
    has_advisor = Q(loan__borrower__advisor__is_active=True) | Q(loan__circle__advisor__is_active=True)
    return (
        Reminder.objects.filter(status=ReminderStatus.PENDING, channel=ReminderChannel.ADVISOR_DIGEST)
        .exclude(has_advisor)
        .update(status=ReminderStatus.FAILED, error=NO_ADVISOR)
    )


def people_to_call(advisor: User) -> Q:
    """The reminders an advisor passes on: their caseload's, and their circles' members without an
    active advisor of their own (the same rule as ``loans.selectors.contact_advisor``)."""
    without_own_advisor = Q(loan__borrower__advisor__isnull=True) | Q(
        loan__borrower__advisor__is_active=False
    )
    return Q(loan__borrower__advisor=advisor) | (Q(loan__circle__advisor=advisor) & without_own_advisor)


def digest_deliver(*, digest_id: int) -> str:
    """Build and send one advisor's digest if it is still pending. Returns what happened.

    Raises the mail server's error after handing the digest and its reminders back, for the task to retry.
    """
    if not claim(AdvisorDigest, digest_id):
        return "skipped"
    digest = AdvisorDigest.objects.select_related("advisor").get(pk=digest_id)
    advisor, day = digest.advisor, digest.day
    Reminder.objects.filter(
        people_to_call(advisor), status=ReminderStatus.PENDING, channel=ReminderChannel.ADVISOR_DIGEST
    ).update(status=ReminderStatus.SENDING, digest=digest, claimed_at=timezone.now())
    calls = _calls_still_needed(digest)
    overdue = selectors.overdue_loans_for_advisor(advisor, day)
    if not calls and not overdue:
        finish(AdvisorDigest, digest.pk, DigestStatus.EMPTY)
        return DigestStatus.EMPTY
    if not advisor.email:
        _mine(digest).update(status=ReminderStatus.FAILED, error=ADVISOR_WITHOUT_EMAIL)
        finish(AdvisorDigest, digest.pk, DigestStatus.FAILED, error=ADVISOR_WITHOUT_EMAIL)
        return DigestStatus.FAILED
    message = digest_message(advisor, day=day, calls=calls, overdue=overdue)
    try:
        message.send()
    except Exception as error:
        _mine(digest).update(
            status=ReminderStatus.PENDING, digest=None, claimed_at=None, error=describe(error)
        )
        hand_back(AdvisorDigest, digest.pk, error=describe(error))
        raise
    now = timezone.now()
    # One UPDATE for all the calls, each with the amount it named.
    if calls:
        Reminder.objects.filter(pk__in=[r.pk for r in calls], status=ReminderStatus.SENDING).update(
            status=ReminderStatus.SENT,
            sent_at=now,
            recipient=advisor.email,
            amount=Case(*(When(pk=r.pk, then=Value(r.left)) for r in calls), output_field=selectors.MONEY),
            error="",
        )
    finish(
        AdvisorDigest,
        digest.pk,
        DigestStatus.SENT,
        sent_at=now,
        recipient=advisor.email,
        overdue_loans=len(overdue),
        people_to_call=len(calls),
    )
    return DigestStatus.SENT


def digest_fail(*, digest_id: int, error: str) -> None:
    give_up(AdvisorDigest, digest_id, error=error)


def _mine(digest: AdvisorDigest):
    return Reminder.objects.filter(digest=digest, status=ReminderStatus.SENDING)


def _calls_still_needed(digest: AdvisorDigest) -> list[Reminder]:
    """The claimed reminders still worth a call (with ``left``, what is still owed on the instalment); the
    others are cancelled with their reason. Three queries, whatever the number of reminders."""
    calls, cancelled = [], defaultdict(list)
    claimed = (
        _mine(digest)
        .select_related("loan__borrower__user", "loan__circle", "instalment")
        .annotate(
            paid=Coalesce(
                selectors.paid_on_instalment("instalment"), Value(ZERO), output_field=selectors.MONEY
            )
        )
    )
    for reminder in claimed.order_by("instalment__due_date", "pk"):
        reminder.left = reminder.instalment.total_due - reminder.paid
        reason = why_not_needed(reminder, reminder.left, digest.day)
        if reason:
            cancelled[reason].append(reminder.pk)
        else:
            calls.append(reminder)
    for reason, pks in cancelled.items():
        Reminder.objects.filter(pk__in=pks, status=ReminderStatus.SENDING).update(
            status=ReminderStatus.CANCELLED, error=reason
        )
    return calls


def digest_message(
    advisor: User, *, day: datetime.date, calls: list[Reminder], overdue: list
) -> EmailMultiAlternatives:
    context = {
        "advisor": advisor,
        "day": day,
        "calls": calls,
        "overdue": overdue,
        "organization": OrganizationSettings.load(),
        "site_url": settings.SITE_URL,
        "arrears_link": settings.SITE_URL + reverse("loans:arrears"),
    }
    return render_email("advisor_digest", context, to=[advisor.email], language=advisor.language)
