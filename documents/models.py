"""PDF documents built in the background (WeasyPrint, Celery): who asked for what, and how it went."""

import datetime
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.registry import get_kind
from microcredit.accounts.models import Language, User
from microcredit.core.jobs import ClaimedJob

# A build still waiting or running after this long was lost (a worker died, the broker lost the message):
# it may be claimed again or retried. Longer than the build task's hard time limit.
STALE_AFTER = datetime.timedelta(minutes=15)


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for its turn")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Deleted after the retention period")


IN_PROGRESS = (DocumentStatus.PENDING, DocumentStatus.RUNNING)


def document_upload_to(instance, filename: str) -> str:
    """A generated name: nothing about the person or the loan can be read from the path."""
    return f"documents/{uuid.uuid4().hex}.pdf"


def stale_builds(now: datetime.datetime | None = None) -> Q:
    cutoff = (now or timezone.now()) - STALE_AFTER
    return Q(status=DocumentStatus.PENDING, queued_at__lt=cutoff) | Q(
        status=DocumentStatus.RUNNING, claimed_at__lt=cutoff
    )


class Document(ClaimedJob):
    """A PDF asked for: claimed by one build (pending -> running, ``microcredit/core/jobs.py``); a build
    left running past ``STALE_AFTER`` was lost and may be claimed again."""

    CLAIMED = "running"

    # A kind registered by the app that owns it (``documents.registry``); unknown kinds are refused there.
    kind = models.CharField(_("document"), max_length=30)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The parameters as canonical JSON: the same request while one is in progress is found by it.
    params_key = models.CharField(_("parameters key"), max_length=200, editable=False)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="documents", verbose_name=_("requested by")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    file = models.FileField(_("file"), upload_to=document_upload_to, blank=True)
    filename = models.CharField(_("file name"), max_length=150, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    claimed_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One build at a time of the same document for the same person: asking again joins it.
            models.UniqueConstraint(
                fields=["kind", "params_key", "requested_by"],
                condition=Q(status__in=["pending", "running"]),
                name="documents_one_build_in_progress",
            ),
            models.CheckConstraint(
                condition=Q(status__in=DocumentStatus.values), name="documents_status_valid"
            ),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(file=""), name="documents_done_has_file"),
        ]
        indexes = [models.Index(fields=["status", "finished_at"], name="documents_purge_idx")]

    def __str__(self) -> str:
        return f"{self.kind_label} #{self.pk}"

    @property
    def kind_label(self) -> str:
        kind = get_kind(self.kind)
        return str(kind.label) if kind is not None else self.kind

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    @property
    def is_stale(self) -> bool:
        cutoff = timezone.now() - STALE_AFTER
        if self.status == DocumentStatus.PENDING:
            return self.queued_at < cutoff
        return (
            self.status == DocumentStatus.RUNNING and self.claimed_at is not None and self.claimed_at < cutoff
        )

    @property
    def can_retry(self) -> bool:
        return self.status == DocumentStatus.FAILED or self.is_stale
