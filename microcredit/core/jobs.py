"""Send-once background jobs, written once: the row is the claim.

A job row (a reminder, a digest, a guarantor's notice, an invitation, a document) is created once (a
unique constraint makes a second scan create nothing), then claimed ``pending -> sending`` by a
conditional UPDATE that only one worker wins, then finished (``sent``, ``cancelled``, ``failed``...) or
handed back ``pending`` for a retry. The task around it retries
what a later attempt may fix (the mail server is down) with exponential backoff and jitter, and gives up
after ``MAX_RETRIES``. Guarantors' notices and invitations are sent the same way (``SendOnce``); a
document's build is claimed the same way (``ClaimedJob``, "running"), a lost build claimed again once stale.
"""

import datetime
import logging
import random
import smtplib
from collections.abc import Callable

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

PENDING = "pending"
SENDING = "sending"
FAILED = "failed"

# Errors a later attempt may not meet: the mail server is down, refuses for now, or times out.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)
MAX_RETRIES = 5
# The options of every send-once task: bound (``deliver_with_retries`` asks it to retry), retried with
# backoff up to MAX_RETRIES. The many reminder tasks add ``ignore_result`` (their outcome is on the row).
SEND_ONCE_TASK = {"bind": True, "max_retries": MAX_RETRIES}


class ClaimedJob(models.Model):
    """The fields every claimed row keeps. Subclasses add ``status`` with their own choices (at least
    pending, the claimed status and failed) and what they are about. ``CLAIMED`` is the status a claim
    moves a row to ("sending" for emails; a document's build is "running")."""

    CLAIMED = SENDING

    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        abstract = True


class SendOnce(ClaimedJob):
    """A claimed row that sends one message (a reminder, a digest, a guarantor's notice, an invitation)."""

    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        abstract = True


def claim(
    model: type[ClaimedJob],
    pk: int,
    *,
    now: datetime.datetime | None = None,
    stale_after: datetime.timedelta | None = None,
    **conditions,
) -> bool:
    """pending -> claimed, for one row: True for the one caller that gets it. With ``stale_after``, a row
    claimed longer ago than that (its worker died) may be claimed again. ``now`` becomes ``claimed_at``.
    ``conditions`` name the row's own columns only: PostgreSQL does not check a join again once the row it
    waited for is updated, so two workers could both win."""
    now = now or timezone.now()
    claimable = Q(status=PENDING)
    if stale_after is not None:
        claimable |= Q(status=model.CLAIMED, claimed_at__lt=now - stale_after)
    updated = model._default_manager.filter(claimable, pk=pk, **conditions).update(
        status=model.CLAIMED, claimed_at=now, attempts=F("attempts") + 1
    )
    return updated == 1


def hand_back(model: type[ClaimedJob], pk: int, *, error: str = "", **fields) -> None:
    """claimed -> pending (the claim released, for a retry or another channel)."""
    model._default_manager.filter(pk=pk, status=model.CLAIMED).update(
        status=PENDING, claimed_at=None, error=error, **fields
    )


def finish(
    model: type[ClaimedJob],
    pk: int,
    status: str,
    *,
    error: str = "",
    claimed_at: datetime.datetime | None = None,
    **fields,
) -> bool:
    """claimed -> ``status``, only for the row this worker claimed (with ``claimed_at``: only if no other
    worker claimed it again since). True if the row was this worker's."""
    rows = model._default_manager.filter(pk=pk, status=model.CLAIMED)
    if claimed_at is not None:
        rows = rows.filter(claimed_at=claimed_at)
    return rows.update(status=status, error=error[:1000], **fields) == 1


def give_up(model: type[ClaimedJob], pk: int, *, error: str, **fields) -> None:
    """Failed for good (the retries are spent, or the error is not one a retry fixes)."""
    model._default_manager.filter(pk=pk, status__in=[PENDING, model.CLAIMED]).update(
        status=FAILED, error=error[:1000], **fields
    )


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


def retry_delay(retries: int) -> int:
    """Exponential backoff with jitter: about 1, 2, 4, 8 then 16 minutes."""
    return int(60 * 2**retries * random.uniform(0.8, 1.2))  # noqa: S311  (jitter, not security)


def deliver_with_retries(task, job_id: int, deliver: Callable[[], str], fail: Callable[[str], None]) -> str:
    """Run ``deliver`` inside a bound Celery ``task``: a transient error is retried with backoff until
    ``task.max_retries``, then ``fail`` records it; any other error is recorded at once and raised."""
    try:
        return deliver()
    except TRANSIENT_ERRORS as error:
        if task.request.retries >= task.max_retries:
            logger.error(
                "%s %s not sent after %s attempts: %s", task.name, job_id, task.max_retries + 1, error
            )
            fail(describe(error))
            return FAILED
        logger.warning("%s %s not sent (%s); retrying", task.name, job_id, error)
        raise task.retry(exc=error, countdown=retry_delay(task.request.retries)) from error
    except Exception as error:
        fail(describe(error))
        raise
