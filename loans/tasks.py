"""Background work about loans. Tasks take ids and call services."""

import logging
import random
import smtplib
from dataclasses import asdict

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

logger = logging.getLogger(__name__)


@shared_task(
    name="loans.notify_guarantee_call",
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def notify_guarantee_call(call_id: int) -> bool:
    """Tell the circle's advisor that a guarantee call is open. Sends once (claimed before sending)."""
    from loans.models import GuaranteeCall

    claimed = GuaranteeCall.objects.filter(pk=call_id, advisor_notified_at__isnull=True).update(
        advisor_notified_at=timezone.now()
    )
    if not claimed:
        return False
    call = GuaranteeCall.objects.select_related("circle__advisor", "loan__borrower__user").get(pk=call_id)
    advisor = call.circle.advisor
    if not advisor.email:
        return False
    try:
        with translation.override(advisor.language):
            context = {"call": call, "advisor": advisor}
            subject = render_to_string("emails/guarantee_call_subject.txt", context).strip()
            body = render_to_string("emails/guarantee_call.txt", context)
        EmailMultiAlternatives(subject, body, to=[advisor.email]).send()
    except Exception:
        GuaranteeCall.objects.filter(pk=call_id).update(advisor_notified_at=None)
        raise
    return True


@shared_task(name="loans.mark_defaults")
def mark_defaults() -> int:
    from loans.services import loans_mark_defaults

    return loans_mark_defaults()


# --- Repayment reminders (queue "reminders", see CELERY_TASK_ROUTES) -------------------------------
# Errors a later attempt may not meet: the mail server is down, refuses for now, or times out.
TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, OSError)
MAX_SEND_RETRIES = 5


def retry_delay(retries: int) -> int:
    """Exponential backoff with jitter: about 1, 2, 4, 8 then 16 minutes."""
    return int(60 * 2**retries * random.uniform(0.8, 1.2))  # noqa: S311  (jitter, not security)


@shared_task(name="loans.scan_reminders", soft_time_limit=25 * 60, time_limit=30 * 60)
def scan_reminders() -> dict:
    """Daily (beat): claim the reminders due today and queue their emails."""
    from loans.services.reminders import reminders_scan

    return asdict(reminders_scan())


# Outcomes are recorded on the rows, so the result backend keeps nothing for the (many) send tasks.
@shared_task(
    name="loans.send_reminder",
    bind=True,
    max_retries=MAX_SEND_RETRIES,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
)
def send_reminder(self, reminder_id: int) -> str:
    """Send one reminder, once. A failing mail server is retried with backoff; other reminders are
    separate tasks, so one failure never holds them up."""
    from loans.services.reminders import describe, reminder_deliver, reminder_fail

    try:
        return reminder_deliver(reminder_id=reminder_id)
    except TRANSIENT_MAIL_ERRORS as error:
        if self.request.retries >= self.max_retries:
            logger.error(
                "Reminder %s not sent after %s attempts: %s", reminder_id, self.max_retries + 1, error
            )
            reminder_fail(reminder_id=reminder_id, error=describe(error))
            return "failed"
        logger.warning("Reminder %s not sent (%s); retrying", reminder_id, error)
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries)) from error
    except Exception as error:
        reminder_fail(reminder_id=reminder_id, error=describe(error))
        raise


@shared_task(
    name="loans.send_reminder_guarantee_call",
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=60,
    max_retries=MAX_SEND_RETRIES,
    ignore_result=True,
)
def send_reminder_guarantee_call(notice_id: int) -> str:
    """Tell one guarantor that a guarantee call opened on a loan she stands behind (claimed, sent once)."""
    from loans.services.guarantors import guarantee_call_notice_deliver

    return guarantee_call_notice_deliver(notice_id=notice_id)


@shared_task(name="loans.scan_digests", soft_time_limit=5 * 60, time_limit=6 * 60)
def scan_digests() -> int:
    """Daily (beat, after the reminder scan): one digest per advisor."""
    from loans.services.digests import digests_plan

    return len(digests_plan())


@shared_task(
    name="loans.send_reminder_digest",
    bind=True,
    max_retries=MAX_SEND_RETRIES,
    soft_time_limit=120,
    time_limit=180,
    ignore_result=True,
)
def send_reminder_digest(self, digest_id: int) -> str:
    from loans.services.digests import digest_deliver, digest_fail
    from loans.services.reminders import describe

    try:
        return digest_deliver(digest_id=digest_id)
    except TRANSIENT_MAIL_ERRORS as error:
        if self.request.retries >= self.max_retries:
            digest_fail(digest_id=digest_id, error=describe(error))
            return "failed"
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries)) from error
    except Exception as error:
        digest_fail(digest_id=digest_id, error=describe(error))
        raise


@shared_task(name="loans.purge_orphan_plan_documents")
def purge_orphan_plan_documents() -> dict:
    """Nightly: business plan files that no loan points to are deleted (see loans.services.documents)."""
    from loans.services.documents import plan_documents_purge_orphans

    return plan_documents_purge_orphans()
