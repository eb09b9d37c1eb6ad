"""Ask for a PDF, watch it being prepared, download it. Anyone outside a document's scope gets a 404."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from documents import services
from documents.models import Document, DocumentStatus
from documents.registry import get_kind
from microcredit.core.access_log import log_file_access
from microcredit.core.permissions import get_object_or_404_for, scope

POLL_SECONDS = 2


def document_for(request, pk: int) -> Document:
    """The person's own document, while they may still read what it is about."""
    document = get_object_or_404_for(request.user, Document, pk=pk)
    kind = get_kind(document.kind)
    if kind is None or not kind.allowed(request.user, document.params):
        raise Http404
    return document


class DocumentRequestView(LoginRequiredMixin, View):
    def post(self, request, kind):
        spec = get_kind(kind)
        if spec is None:
            raise Http404
        try:
            params = spec.clean(request.POST)
        except ValueError:
            raise Http404 from None
        if not spec.allowed(request.user, params):
            raise Http404
        document, created = services.document_request(kind=kind, params=params, requested_by=request.user)
        if not created:
            messages.info(request, _("This document is already being prepared."))
        return redirect("documents:document_detail", pk=document.pk)


class DocumentDetailView(LoginRequiredMixin, View):
    """The document's page. While it is being prepared, its status region asks again every few seconds
    (htmx, the region is ``aria-live``): nothing is sent back until the status changes (204), then only the
    region. Without JavaScript the page offers a link to look again."""

    def get(self, request, pk):
        document = document_for(request, pk)
        polling = document.in_progress and not document.is_stale
        if request.htmx and polling and request.GET.get("shown") == document.status:
            return HttpResponse(status=204)  # nothing new: the region stays as it is, and asks again
        context = {
            "document": document,
            "polling": polling,
            "poll_seconds": POLL_SECONDS,
            "retention_days": settings.DOCUMENT_RETENTION_DAYS,
            "expires_on": document.finished_at
            and timezone.localtime(document.finished_at).date()
            + datetime.timedelta(days=settings.DOCUMENT_RETENTION_DAYS),
        }
        if request.htmx:
            return render(request, "documents/_document_status.html", context)
        kind = get_kind(document.kind)
        return render(
            request, "documents/document_detail.html", {**context, "back_url": kind.back_url(document.params)}
        )


class DocumentRetryView(LoginRequiredMixin, View):
    def post(self, request, pk):
        document = document_for(request, pk)
        if not document.can_retry:
            return redirect("documents:document_detail", pk=document.pk)
        document = services.document_retry(document=document)
        messages.info(request, _("The document is being prepared again."))
        return redirect("documents:document_detail", pk=document.pk)


class DocumentDownloadView(LoginRequiredMixin, View):
    """The file itself, streamed through this view (never from MEDIA_URL)."""

    def get(self, request, pk):
        document = document_for(request, pk)
        if document.status != DocumentStatus.DONE or not document.file:
            raise Http404
        try:
            handle = document.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        kind = get_kind(document.kind)
        person = kind.person(document.params) if kind is not None and kind.person is not None else None
        if person is not None:
            log_file_access(user=request.user, profile=person, what="document", detail=document.filename)
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=document.filename or "document.pdf",
            content_type="application/pdf",
        )
        response["Cache-Control"] = "private, no-store"
        return response


class DocumentListView(LoginRequiredMixin, ListView):
    template_name = "documents/document_list.html"
    context_object_name = "documents"

    def get_queryset(self):
        return scope(self.request.user, Document.objects.all()).order_by("-created_at", "-pk")[:50]

    def get_context_data(self, **kwargs):
        return super().get_context_data(retention_days=settings.DOCUMENT_RETENTION_DAYS, **kwargs)
