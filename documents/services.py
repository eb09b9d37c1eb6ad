"""Writes about documents: ask for one, retry it, build it (the Celery task calls this), purge old files.

A build is claimed like every background job here (``microcredit/core/jobs.py``): a conditional UPDATE
pending -> running that only one worker wins. The task is acknowledged late, so a worker that dies
mid-build gives the message back to the broker; the next worker may claim a build left "running" once it
is stale (``STALE_AFTER``).
"""

import datetime
import json
import logging
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from documents.models import (
    IN_PROGRESS,
    STALE_AFTER,
    Document,
    DocumentStatus,
    document_upload_to,
    stale_builds,
)
from documents.registry import get_kind
from microcredit.accounts.models import User
from microcredit.core.jobs import claim, describe, finish
from microcredit.core.models import OrganizationSettings

logger = logging.getLogger(__name__)

TOO_LONG = gettext_noop("The document took too long to prepare.")
LOST = gettext_noop("The preparation was interrupted.")


def params_key(params: dict) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"))


def enqueue_build(document_id: int) -> None:
    from documents.tasks import build_document

    try:
        build_document.delay(document_id)
    except Exception:
        # The broker is unreachable: the request stays "waiting", becomes stale, and can be retried.
        logger.exception("Document %s could not be queued", document_id)


def document_request(*, kind: str, params: dict, requested_by: User) -> tuple[Document, bool]:
    """Ask for a document (the caller checked that the person may). The same request while one is in
    progress returns that one instead of starting a second build: ``(document, created)``."""
    spec = get_kind(kind)
    if spec is None:
        raise ValueError(f"Unknown document kind {kind!r}")
    language = (spec.language(params) if spec.language else None) or requested_by.language
    key = params_key(params)
    same = Document.objects.filter(kind=kind, params_key=key, requested_by=requested_by)
    for _attempt in range(3):
        same.filter(stale_builds()).update(
            status=DocumentStatus.FAILED, error=LOST, finished_at=timezone.now()
        )
        try:
            with transaction.atomic():
                document = Document.objects.create(
                    kind=kind,
                    params=params,
                    params_key=key,
                    language=language,
                    requested_by=requested_by,
                )
        except IntegrityError:
            existing = same.filter(status__in=IN_PROGRESS).first()
            if existing is not None:
                return existing, False
            continue  # it finished between the two statements: ask again
        transaction.on_commit(partial(enqueue_build, document.pk))
        return document, True
    raise RuntimeError("Could not register the document request")


def document_retry(*, document: Document) -> Document:
    """Build a failed (or lost) document again. If the same document is already being prepared, that
    one is returned instead."""
    now = timezone.now()
    retryable = Q(status=DocumentStatus.FAILED) | stale_builds(now)
    try:
        with transaction.atomic():
            updated = Document.objects.filter(retryable, pk=document.pk).update(
                status=DocumentStatus.PENDING, error="", queued_at=now, claimed_at=None, finished_at=None
            )
    except IntegrityError:
        return (
            Document.objects.filter(
                kind=document.kind,
                params_key=document.params_key,
                requested_by_id=document.requested_by_id,
                status__in=IN_PROGRESS,
            ).first()
            or document
        )
    if updated:
        transaction.on_commit(partial(enqueue_build, document.pk))
    document.refresh_from_db()
    return document


def _refuse_urls(url: str, *args, **kwargs):
    """WeasyPrint fetches nothing from outside: the templates inline their CSS."""
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"Documents do not load external resources ({url[:60]})")


def render_pdf(html: str) -> tuple[bytes, int]:
    from weasyprint import HTML

    rendered = HTML(string=html, url_fetcher=_refuse_urls).render()
    return rendered.write_pdf(), len(rendered.pages)


def render_document(document: Document, today: datetime.date) -> tuple[bytes, int, str]:
    """The PDF of a document in its reader's language: (bytes, pages, file name)."""
    kind = get_kind(document.kind)
    if kind is None:
        raise LookupError(f"Document kind {document.kind!r} is not registered")
    with translation.override(document.language):
        context = kind.context(document.params, today)
        html = render_to_string(
            kind.template,
            {
                **context,
                "document": document,
                "title": kind.label,
                "organization": OrganizationSettings.load(),
                "today": today,
            },
        )
        filename = kind.filename(document.params, today)
    pdf, pages = render_pdf(html)
    return pdf, pages, filename


def document_build(*, document_id: int) -> str:
    """Build one document if it is still waiting (or its build was lost). Returns what happened."""
    started = timezone.now()
    if not claim(Document, document_id, now=started, stale_after=STALE_AFTER):
        return "skipped"
    document = Document.objects.get(pk=document_id)
    try:
        pdf, pages, filename = render_document(document, timezone.localdate())
        name = default_storage.save(document_upload_to(document, filename), ContentFile(pdf))
    except SoftTimeLimitExceeded:
        _fail(document_id, started, TOO_LONG)
        return DocumentStatus.FAILED
    except Exception as error:
        logger.exception("Document %s could not be built", document_id)
        _fail(document_id, started, describe(error))
        return DocumentStatus.FAILED
    done = finish(
        Document,
        document_id,
        DocumentStatus.DONE,
        claimed_at=started,
        file=name,
        filename=filename,
        pages=pages,
        size=len(pdf),
        finished_at=timezone.now(),
    )
    if not done:  # another worker took the build over meanwhile: keep only its file
        default_storage.delete(name)
        return "skipped"
    return DocumentStatus.DONE


def _fail(document_id: int, started: datetime.datetime, error: str) -> None:
    finish(
        Document,
        document_id,
        DocumentStatus.FAILED,
        error=error,
        claimed_at=started,
        finished_at=timezone.now(),
    )


def documents_purge(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """Delete the files older than DOCUMENT_RETENTION_DAYS; the rows stay (who asked for what, when)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.DOCUMENT_RETENTION_DAYS)
    finished = Document.objects.filter(
        status__in=[DocumentStatus.DONE, DocumentStatus.FAILED], finished_at__lt=cutoff
    )
    purged = 0
    while batch := list(finished.order_by("pk").values_list("pk", "file")[:batch_size]):
        for _pk, name in batch:
            if name:
                try:
                    default_storage.delete(name)
                except OSError:
                    logger.warning("Could not delete the file %s", name)
        purged += Document.objects.filter(pk__in=[pk for pk, _name in batch]).update(
            status=DocumentStatus.EXPIRED, file=""
        )
    # Requests that never got built (lost long ago) expire with the rest.
    Document.objects.filter(status__in=IN_PROGRESS, queued_at__lt=cutoff).update(
        status=DocumentStatus.EXPIRED, error=LOST, finished_at=now
    )
    return purged
