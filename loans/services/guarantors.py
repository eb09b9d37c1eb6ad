"""Guarantors told when a guarantee call opens on a loan they stand behind (their home page shows it too),
and when it closes by itself because the loan is no longer late (``loans.services.arrears``).

A notice row per guarantor is created in the transaction that opens the call; the email is sent after the
commit by its own task, which claims the row before sending and hands it back if the mail server fails
(``microcredit/core/jobs.py``), so a task run twice, or two workers, send it once."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from loans.models import GuaranteeCall, GuaranteeCallNotice, Guarantor, NoticeKind, NoticeStatus
from microcredit.core.emails import render_email
from microcredit.core.jobs import claim, describe, finish, give_up, hand_back


def guarantee_call_notices_create(
    call: GuaranteeCall, kind: str = NoticeKind.OPENED
) -> list[GuaranteeCallNotice]:
    """Inside the transaction that opens ``call`` (or closes it, ``kind``): one notice per guarantor of its
    loan, each emailed after the commit (``loans.send_reminder_guarantee_call``)."""
    members = Guarantor.objects.filter(loan_id=call.loan_id).values_list("member_id", flat=True)
    notices = GuaranteeCallNotice.objects.bulk_create(
        [GuaranteeCallNotice(call=call, member_id=member, kind=kind) for member in members],
        ignore_conflicts=True,
    )
    ids = list(GuaranteeCallNotice.objects.filter(call=call, kind=kind).values_list("pk", flat=True))
    from loans.tasks import send_reminder_guarantee_call

    transaction.on_commit(lambda: [send_reminder_guarantee_call.delay(pk) for pk in ids])
    return notices


def guarantee_call_notice_deliver(*, notice_id: int) -> str:
    """Email one guarantor about the call, once. Returns what happened; raises the mail server's error after
    handing the row back (pending), for the task to retry."""
    if not claim(GuaranteeCallNotice, notice_id):
        return "skipped"
    notice = GuaranteeCallNotice.objects.select_related(
        "member__user", "call__circle", "call__loan__borrower__user"
    ).get(pk=notice_id)
    person = notice.member.user
    opened = notice.kind == NoticeKind.OPENED
    if not person.email or not person.is_active or (opened and not notice.call.is_open):
        # No address: her home page tells her (and her advisor meets the circle). Kept as handled.
        finish(GuaranteeCallNotice, notice_id, NoticeStatus.NOT_EMAILED)
        return NoticeStatus.NOT_EMAILED
    message = render_email(
        "guarantor_call" if opened else "guarantor_call_closed",
        {
            "person": person,
            "call": notice.call,
            "loan": notice.call.loan,
            "link": settings.SITE_URL + reverse("loans:guaranteed_list"),
        },
        to=[person.email],
        language=person.language,
    )
    try:
        message.send()
    except Exception as error:
        hand_back(GuaranteeCallNotice, notice_id, error=describe(error))
        raise
    finish(GuaranteeCallNotice, notice_id, NoticeStatus.SENT, sent_at=timezone.now())
    return NoticeStatus.SENT


def guarantee_call_notice_fail(*, notice_id: int, error: str) -> None:
    """Give up on a notice (the retries are spent, or the error is not one a retry fixes)."""
    give_up(GuaranteeCallNotice, notice_id, error=error)
