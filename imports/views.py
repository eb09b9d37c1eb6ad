"""Coordinators' import screens: the kinds with their templates, upload and dry run, confirmation."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from imports.background import (
    batch_queue,
    never_started,
    rows_done,
    runs_in_background,
    stale_run_fail,
    stale_seconds,
)
from imports.forms import UploadForm
from imports.kinds import all_kinds, get_kind
from imports.models import ImportBatch, ImportStatus, RunState
from imports.services import batch_create, import_check, import_commit
from imports.templates import template_csv, template_xlsx, template_zip
from microcredit.core.csv_export import csv_response
from microcredit.core.views_mixins import CoordinatorRequiredMixin, messages_from


class ImportIndexView(CoordinatorRequiredMixin, View):
    def get(self, request):
        return self._page(request, UploadForm())

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form, status=400)
        batch = batch_create(
            kind=form.cleaned_data["kind"], uploaded_file=form.cleaned_data["file"], uploaded_by=request.user
        )
        return redirect("imports:batch", pk=batch.pk)

    @staticmethod
    def _page(request, form, status=200):
        context = {
            "form": form,
            "kinds": all_kinds(),
            "batches": ImportBatch.objects.select_related("uploaded_by")[:20],
        }
        return render(request, "imports/index.html", context, status=status)


class KindDocumentationView(CoordinatorRequiredMixin, View):
    def get(self, request, kind):
        found = get_kind(kind)
        if found is None:
            raise Http404
        language = get_language() or "fr-ca"
        if hasattr(found, "template_sheets"):
            sheets = [(title, sheet.columns) for title, sheet in found.template_sheets()]
        else:
            sheets = [(str(found.title), found.columns)]
        return render(request, "imports/kind.html", {"kind": found, "language": language, "sheets": sheets})


class TemplateDownloadView(CoordinatorRequiredMixin, View):
    def get(self, request, kind, extension):
        found = get_kind(kind)
        if (
            found is None
            or extension not in ("csv", "xlsx", "zip")
            or (extension == "csv" and found.workbook_only)
            or (extension == "zip" and not found.workbook_only)
        ):
            raise Http404
        language = get_language() or "fr-ca"
        if extension == "zip":
            content, content_type = template_zip(found, language), "application/zip"
        elif extension == "csv":
            content, content_type = template_csv(found, language), "text/csv; charset=utf-8"
        else:
            content = template_xlsx(found, language)
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="modele-{found.key}.{extension}"'
        return response


class BatchView(CoordinatorRequiredMixin, View):
    """GET: the dry run of an uploaded file (nothing is written). POST: the confirmed import. A large file is
    checked and imported by a worker (``imports.background``): the page then shows its progress, then what the
    run found."""

    def get(self, request, pk):
        batch = get_object_or_404(ImportBatch, pk=pk)
        stale_run_fail(batch)  # its worker died: say so, and let it be run again
        if batch.status == ImportStatus.IMPORTED and batch.run_state != RunState.RUNNING:
            return render(request, "imports/batch.html", {"batch": batch, "report": None})
        if runs_in_background(batch):
            if batch.run_state == "":
                batch_queue(batch_id=batch.pk, step="check", actor=request.user)
                batch.refresh_from_db()
            return self._background(request, batch)
        try:
            report = import_check(batch=batch)
        except ValidationError as error:  # the file was deleted after its retention
            return render(
                request,
                "imports/batch.html",
                {"batch": batch, "report": None, "errors": messages_from(error)},
            )
        batch.refresh_from_db()
        return render(request, "imports/batch.html", {"batch": batch, "report": report})

    @staticmethod
    def _background(request, batch, status=200):
        running = batch.run_state in (RunState.QUEUED, RunState.RUNNING)
        done = rows_done(batch)
        total = batch.rows_total or 0
        context = {
            "batch": batch,
            "report": None,
            "background": True,
            "running": running,
            "rows_done": done,
            "percent": min(100, round(100 * done / total)) if running and total else None,
            "counts": batch.counts,
            "failed": batch.run_state == RunState.FAILED,
            "never_started": never_started(batch),
            "stale_minutes": max(1, round(stale_seconds() / 60)),
        }
        return render(request, "imports/batch.html", context, status=status)

    def post(self, request, pk):
        batch = get_object_or_404(ImportBatch, pk=pk)
        if runs_in_background(batch):
            stale_run_fail(batch)
            if request.POST.get("step") == "check":  # a check whose worker died, run again
                if batch.run_state != RunState.FAILED:
                    raise Http404
                batch_queue(batch_id=batch.pk, step="check", actor=request.user)
                return redirect("imports:batch", pk=batch.pk)
            if batch.status != ImportStatus.READY:
                raise Http404
            batch_queue(batch_id=batch.pk, step="commit", actor=request.user)
            return redirect("imports:batch", pk=batch.pk)
        try:
            report = import_commit(batch_id=batch.pk, actor=request.user)
        except ValidationError as error:
            return render(
                request,
                "imports/batch.html",
                {"batch": batch, "report": None, "errors": messages_from(error)},
                status=400,
            )
        batch.refresh_from_db()
        return render(
            request,
            "imports/batch.html",
            {"batch": batch, "report": report, "committed": report.is_valid},
            status=200 if report.is_valid else 400,
        )


class ErrorReportView(CoordinatorRequiredMixin, View):
    """The errors of a file's last check or import as a CSV file (row, column, reason), to correct a large
    file in a spreadsheet."""

    def get(self, request, pk):
        batch = get_object_or_404(ImportBatch, pk=pk)
        rows = [[_("Row"), _("Column"), _("Reason")], *batch.problems]
        return csv_response(f"erreurs-import-{batch.pk}.csv", rows)
