"""Importing a file: every row is checked by the same services the screens use, inside one transaction
that is rolled back unless the whole file is valid and the import is confirmed.

How it works: the file is read row by row; each cell is read by its column (dates, amounts the Quebec way,
choices in French or English) and each row is then applied through the apps' services (accounts, circles) in
its own savepoint, so that a refused row is reported with its reason and the next rows are still checked
against everything the previous rows did (entrepreneurs and loans, thousands at a time, go by chunks of their
own with the same results: ``imports.kinds.entrepreneurs``, ``imports.kinds.loans``). A dry run
(``commit=False``), or a file with any error, ends by rolling the whole transaction back: nothing is written.
A confirmed import of a valid file runs the very same steps and commits them at once. Each row carries a
stable external id (``ExternalId``): a row already imported is found again and compared, so importing the same
file twice changes nothing.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.services.counts import caseload_tallies_deferred
from imports.kinds import get_kind
from imports.kinds.base import Kind, Report
from imports.models import ExternalId, ImportBatch, ImportStatus
from imports.readers import is_blank, read_table
from microcredit.accounts.models import User


def external_object_id(kind: str, external_id: str) -> int | None:
    return (
        ExternalId.objects.filter(kind=kind, external_id=external_id)
        .values_list("object_id", flat=True)
        .first()
    )


def external_object_ids(kind: str, external_ids) -> dict[str, int]:
    """{external id: object id} of those of ``external_ids`` already imported (one query)."""
    return dict(
        ExternalId.objects.filter(kind=kind, external_id__in=list(external_ids)).values_list(
            "external_id", "object_id"
        )
    )


def external_id_record(kind: str, external_id: str, object_id: int, batch: ImportBatch | None = None) -> None:
    ExternalId.objects.update_or_create(
        kind=kind, external_id=external_id, defaults={"object_id": object_id, "batch": batch}
    )


def read_rows(kind: Kind, table, report: Report):
    """Yield (row number, values) of the rows whose cells could all be read; report the others."""
    columns, missing = kind.header_map(table.headers)
    for key in missing:
        report.add_error(1, kind.column(key).french, _("This column is missing from the file."))
    if missing:
        return
    headers = {index: str(table.headers[index]).strip() for index in columns}
    for number, cells in table.rows:
        if is_blank(cells):
            continue
        report.rows_total += 1
        values, ok = {}, True
        for index, column in columns.items():
            cell = cells[index] if index < len(cells) else None
            if cell is None or str(cell).strip() == "":
                values[column.key] = None
                if column.required:
                    report.add_error(number, headers[index], _("This column is required."))
                    ok = False
                continue
            try:
                values[column.key] = column.parse(cell)
            except ValidationError as error:
                report.add_error(number, headers[index], error)
                ok = False
        for column in kind.columns:
            values.setdefault(column.key, None)
        values["_headers"] = {column.key: headers[index] for index, column in columns.items()}
        if ok:
            yield number, values


def _column_of(kind: Kind, field: str, values: dict) -> str:
    key = kind.field_columns.get(field, field)
    headers = values.get("_headers", {})
    if key in headers:
        return headers[key]
    if any(column.key == key for column in kind.columns):
        return kind.column(key).french
    return ""


def report_refusal(kind: Kind, report: Report, number: int, values: dict, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for message in ValidationError(errors).messages:
                report.add_error(number, _column_of(kind, field, values), message)
    else:
        report.add_error(number, "", error)


def conflict_message(error: IntegrityError) -> str:
    return _("This row conflicts with data already recorded (%(detail)s).") % {
        "detail": str(error).splitlines()[0][:200]
    }


def process_table(kind: Kind, name: str, data: bytes | BinaryIO, context: dict, report: Report) -> None:
    """The usual way: one table (CSV or the first sheet of an XLSX), each row applied in its savepoint."""
    table = read_table(name, data)
    kind.start(context)
    for number, values in read_rows(kind, table, report):
        try:
            with transaction.atomic():
                outcome = kind.apply(values, number, context)
            if outcome is not None:  # None: the kind reports this row from ``finish``
                report.add(outcome)
        except ValidationError as error:
            report_refusal(kind, report, number, values, error)
        except IntegrityError as error:  # a rule the database enforces and no service checked first
            report.add_error(number, "", conflict_message(error))
        if context.get("progress") is not None and report.rows_total % 100 == 0:
            context["progress"](report.rows_total)
    with transaction.atomic():
        kind.finish(context, report)


def import_run(
    *,
    kind: Kind,
    name: str,
    data: bytes | BinaryIO,
    actor: User,
    commit: bool,
    batch: ImportBatch | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Check the file and, with ``commit`` and no error at all, import it (one transaction)."""
    report = Report(kind=kind.key)
    with transaction.atomic():
        context = {"actor": actor, "batch": batch, "commit": commit, "progress": progress}
        try:
            # The caseload counters of the people and loans the file touches: moved once, at its end.
            with caseload_tallies_deferred():
                kind.process(name, data, context, report)
        except ValidationError as error:
            report.add_error(0, "", error)
        if not (commit and report.is_valid):
            transaction.set_rollback(True)
    report.problems.sort(key=lambda problem: str(problem.row).zfill(12))
    return report


def problem_rows(report: Report) -> list[list[str]]:
    return [[str(problem.row), problem.column, problem.message] for problem in report.problems]


@contextmanager
def _file_of(batch: ImportBatch) -> Iterator[BinaryIO]:
    """The batch's stored file, open to be read as a stream (a large file is never held whole in memory)."""
    if batch.file_purged_at is not None or not batch.file:
        raise ValidationError(
            _(
                "This file was deleted after %(days)s days, as personal information is kept no longer than "
                "needed: send it again."
            )
            % {"days": settings.IMPORT_FILE_RETENTION_DAYS}
        )
    with batch.file.storage.open(batch.file.name, "rb") as handle:
        yield getattr(handle, "file", handle)


def _run_file(batch: ImportBatch, *, actor: User, commit: bool, progress) -> Report:
    """The batch's file read by its kind: the dry run, or the import itself (``commit``, for the batch)."""
    with _file_of(batch) as data:
        return import_run(
            kind=get_kind(batch.kind),
            name=batch.file_name,
            data=data,
            actor=actor,
            commit=commit,
            batch=batch if commit else None,
            progress=progress,
        )


def import_check(*, batch: ImportBatch, progress: Callable[[int], None] | None = None) -> Report:
    """The dry run of an uploaded file: what would be created or updated, and every error."""
    report = _run_file(batch, actor=batch.uploaded_by, commit=False, progress=progress)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.READY if report.is_valid else ImportStatus.CHECKED_WITH_ERRORS,
        rows_total=report.rows_total,
        errors_total=len(report.problems),
        problems=problem_rows(report),
        counts=report.counts(),
    )
    return report


def import_commit(*, batch_id: int, actor: User, progress: Callable[[int], None] | None = None) -> Report:
    """Import a checked file once its coordinator confirms: checked again as it is imported (the database
    may have changed since the dry run), and nothing is written unless it is still entirely valid."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status == ImportStatus.IMPORTED:
            raise ValidationError(_("This file has already been imported."))
        report = _run_file(batch, actor=actor, commit=True, progress=progress)
        batch.rows_total, batch.errors_total = report.rows_total, len(report.problems)
        batch.problems, batch.counts = problem_rows(report), report.counts()
        if report.is_valid:
            batch.status, batch.imported_at = ImportStatus.IMPORTED, timezone.now()
        else:
            batch.status = ImportStatus.CHECKED_WITH_ERRORS
        batch.save(
            update_fields=["status", "imported_at", "rows_total", "errors_total", "problems", "counts"]
        )
    return report


def batch_create(*, kind: str, uploaded_file, uploaded_by: User) -> ImportBatch:
    if get_kind(kind) is None:
        raise ValidationError(_("Choose what the file holds."))
    batch = ImportBatch(
        kind=kind,
        file_name=uploaded_file.name[:200],
        uploaded_by=uploaded_by,
        status=ImportStatus.CHECKED_WITH_ERRORS,
    )
    batch.file.save(uploaded_file.name, uploaded_file, save=False)
    batch.save()
    return batch
