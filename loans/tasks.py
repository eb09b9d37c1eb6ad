"""Background work about loans. Tasks take ids and call services."""

import logging
import smtplib
from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from microcredit.core.emails import render_email
from microcredit.core.jobs import SEND_ONCE_TASK, deliver_with_retries

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
        render_email(
            "guarantee_call",
            {"call": call, "advisor": advisor},
            to=[advisor.email],
            language=advisor.language,
        ).send()
    except Exception:
        GuaranteeCall.objects.filter(pk=call_id).update(advisor_notified_at=None)
        raise
    return True


@shared_task(name="loans.mark_defaults")
def mark_defaults() -> int:
    from loans.services import loans_mark_defaults

    return loans_mark_defaults()


@shared_task(name="loans.snapshot_months")
def snapshot_months() -> int:
    """Daily (beat): take the positions of every month end that is over and not taken yet (the board's
    report as of a past month reads them)."""
    from loans.services.ledger import snapshot_closed_months

    return len(snapshot_closed_months())


# --- Repayment reminders (queue "reminders", see CELERY_TASK_ROUTES) -------------------------------
# Claimed, sent once, retried with backoff: microcredit/core/jobs.py.


@shared_task(name="loans.scan_reminders", soft_time_limit=25 * 60, time_limit=30 * 60)
def scan_reminders() -> dict:
    """Daily (beat): claim the reminders due today and queue their emails."""
    from loans.services.reminders import reminders_scan

    return asdict(reminders_scan())


# Outcomes are recorded on the rows, so the result backend keeps nothing for the (many) send tasks.
@shared_task(
    name="loans.send_reminder", soft_time_limit=60, time_limit=90, ignore_result=True, **SEND_ONCE_TASK
)
def send_reminder(self, reminder_id: int) -> str:
    """Send one reminder, once. A failing mail server is retried with backoff; other reminders are
    separate tasks, so one failure never holds them up."""
    from loans.services.reminders import reminder_deliver, reminder_fail

    return deliver_with_retries(
        self,
        reminder_id,
        lambda: reminder_deliver(reminder_id=reminder_id),
        lambda error: reminder_fail(reminder_id=reminder_id, error=error),
    )


@shared_task(
    name="loans.send_reminder_guarantee_call",
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
    **SEND_ONCE_TASK,
)
def send_reminder_guarantee_call(self, notice_id: int) -> str:
    """Tell one guarantor that a guarantee call opened on a loan she stands behind (claimed, sent once,
    retried with backoff)."""
    from loans.services.guarantors import guarantee_call_notice_deliver, guarantee_call_notice_fail

    return deliver_with_retries(
        self,
        notice_id,
        lambda: guarantee_call_notice_deliver(notice_id=notice_id),
        lambda error: guarantee_call_notice_fail(notice_id=notice_id, error=error),
    )


@shared_task(name="loans.scan_digests", soft_time_limit=5 * 60, time_limit=6 * 60)
def scan_digests() -> int:
    """Daily (beat, after the reminder scan): one digest per advisor."""
    from loans.services.digests import digests_plan

    return len(digests_plan())


@shared_task(
    name="loans.send_reminder_digest",
    soft_time_limit=120,
    time_limit=180,
    ignore_result=True,
    **SEND_ONCE_TASK,
)
def send_reminder_digest(self, digest_id: int) -> str:
    from loans.services.digests import digest_deliver, digest_fail

    return deliver_with_retries(
        self,
        digest_id,
        lambda: digest_deliver(digest_id=digest_id),
        lambda error: digest_fail(digest_id=digest_id, error=error),
    )


@shared_task(name="loans.purge_orphan_plan_documents")
def purge_orphan_plan_documents() -> dict:
    """Nightly: business plan files that no loan points to are deleted (see loans.services.plan_files)."""
    from loans.services.plan_files import plan_documents_purge_orphans

    return plan_documents_purge_orphans()
