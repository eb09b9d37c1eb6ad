"""Send-once background jobs, written once: the row is the claim.

A job row (a reminder, a digest) is created once (a unique constraint makes a second scan create nothing),
then claimed ``pending -> sending`` by a conditional UPDATE that only one worker wins, then finished
(``sent``, ``cancelled``, ``failed``...) or handed back ``pending`` for a retry. The task around it retries
what a later attempt may fix (the mail server is down) with exponential backoff and jitter, and gives up
after ``MAX_RETRIES``. Documents and invitations follow the same rule with their own fields.
"""

import logging
import random
import smtplib
from collections.abc import Callable

from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

PENDING = "pending"
SENDING = "sending"
FAILED = "failed"

# Errors a later attempt may not meet: the mail server is down, refuses for now, or times out.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)
MAX_RETRIES = 5


class ClaimedJob(models.Model):
    """The fields every send-once row keeps. Subclasses add ``status`` with their own choices (at least
    pending, sending and failed) and what they are about."""

    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        abstract = True


def claim(model: type[ClaimedJob], pk: int, **conditions) -> bool:
    """pending -> sending, for one row: True for the one caller that gets it."""
    updated = model._default_manager.filter(pk=pk, status=PENDING, **conditions).update(
        status=SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    return updated == 1


def hand_back(model: type[ClaimedJob], pk: int, *, error: str = "", **fields) -> None:
    """sending -> pending (the claim released, for a retry or another channel)."""
    model._default_manager.filter(pk=pk, status=SENDING).update(
        status=PENDING, claimed_at=None, error=error, **fields
    )


def finish(model: type[ClaimedJob], pk: int, status: str, *, error: str = "", **fields) -> None:
    """sending -> ``status``, only for the row this worker claimed."""
    model._default_manager.filter(pk=pk, status=SENDING).update(status=status, error=error, **fields)


def give_up(model: type[ClaimedJob], pk: int, *, error: str) -> None:
    """Failed for good (the retries are spent, or the error is not one a retry fixes)."""
    model._default_manager.filter(pk=pk, status__in=[PENDING, SENDING]).update(
        status=FAILED, error=error[:1000]
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
