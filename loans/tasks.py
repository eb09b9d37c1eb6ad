"""Background work about loans. Tasks take ids and call services."""

import logging
import smtplib

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
