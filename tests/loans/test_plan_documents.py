"""Business plan uploads (issue #14, 6): checked by structure, written with their record and never
outliving it."""

import datetime
import os
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from loans import services
from loans.forms import LoanRequestForm
from loans.models import Loan
from loans.services.plan_files import (
    ACCEPT,
    ALLOWED_EXTENSIONS,
    PLAN_FOLDER,
    plan_documents_purge_orphans,
    validate_plan_document,
)
from tests.loans.documents import docx_bytes, odt_bytes, pdf_bytes
from tests.loans.factories import request_in_circle

DOS_STUB = b"MZ\x90\x00\x03" + b"\x00" * 59 + b"This program cannot be run in DOS mode.\r\r\n$"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_real_documents_are_accepted():
    validate_plan_document(upload("plan.pdf", pdf_bytes(3)))
    validate_plan_document(upload("plan.docx", docx_bytes({"word/media/image1.png": b"\x89PNG..."})))
    validate_plan_document(upload("plan.odt", odt_bytes()))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plan.pdf", b"%PDF-1.7\n<html><script>alert(document.cookie)</script></html>"),  # polyglot
        ("plan.pdf", pdf_bytes() + b"\n<!-- --><html><body onload=x()>"),  # a real PDF carrying HTML
        ("plan.pdf", b"%PDF-1.7 not really a pdf"),  # does not parse
        (
            "plan.pdf",
            pdf_bytes().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript >>"),
        ),
        ("plan.docx", docx_bytes({"word/embeddings/setup.exe": DOS_STUB})),
        ("plan.docx", docx_bytes({"word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0" + DOS_STUB})),
        ("plan.docx", docx_bytes({"word/vbaProject.bin": b"macro"})),
        ("plan.docx", docx_bytes({"payload/run.sh": b"#!/bin/sh\nrm -rf /"})),  # not a part of a .docx
        ("plan.docx", docx_bytes({"../../etc/cron.d/x": b"* * * * * root id"})),
        ("plan.docx", docx_bytes({"xl/workbook.xml": b"<workbook/>"})),  # a .docx and a .xlsx at once
        ("plan.xlsx", docx_bytes()),  # a .docx named .xlsx
        ("plan.odt", b"PK\x03\x04 broken"),
    ],
)
def test_disguised_or_active_documents_are_refused(name, content):
    with pytest.raises(ValidationError):
        validate_plan_document(upload(name, content))


@pytest.mark.parametrize("name", ["plan.ppt", "plan.doc", "plan.xls", "plan.html", "plan.exe", "plan"])
def test_types_outside_the_one_list_are_refused(name):
    with pytest.raises(ValidationError) as refused:
        validate_plan_document(upload(name, pdf_bytes()))
    assert refused.value.code == "extension"


def test_the_form_offers_exactly_the_types_the_validator_accepts():
    offered = LoanRequestForm.base_fields["document"].widget.attrs["accept"]
    assert offered == ACCEPT
    assert sorted(ext.lstrip(".") for ext in offered.split(",")) == sorted(ALLOWED_EXTENSIONS)


def stored_plans() -> set[str]:
    folder = os.path.join(settings.MEDIA_ROOT, PLAN_FOLDER)
    return set(os.listdir(folder)) if os.path.isdir(folder) else set()


def test_a_replaced_file_is_deleted_once_the_change_is_committed(db, django_capture_on_commit_callbacks):
    loan = request_in_circle()
    with django_capture_on_commit_callbacks(execute=True):
        services.loan_request_update(
            loan=loan, changed_by=loan.prepared_by, document=upload("a.pdf", pdf_bytes())
        )
    first = Loan.objects.get(pk=loan.pk).plan_document.name
    assert default_storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        services.loan_request_update(
            loan=Loan.objects.get(pk=loan.pk),
            changed_by=loan.prepared_by,
            document=upload("b.pdf", pdf_bytes()),
        )
    second = Loan.objects.get(pk=loan.pk).plan_document.name
    assert second != first and default_storage.exists(second)
    assert not default_storage.exists(first)


def test_a_refused_change_leaves_no_file_behind(db):
    loan = request_in_circle()
    before = stored_plans()
    with pytest.raises(ValidationError):
        # The file is written, then the record is refused (purpose too long): the file goes again.
        services.loan_request_update(
            loan=loan, changed_by=loan.prepared_by, purpose="x" * 300, document=upload("c.pdf", pdf_bytes())
        )
    assert stored_plans() == before
    with pytest.raises(ValidationError):
        services.loan_request_create(
            borrower=loan.borrower,
            prepared_by=loan.prepared_by,
            product=loan.product,
            amount=Decimal("1500.00"),
            term=12,
            purpose="y" * 300,
            plan_summary="",
            plan_market="",
            plan_use_of_funds="",
            plan_projections="",
            document=upload("d.pdf", pdf_bytes()),
        )
    assert stored_plans() == before


def test_the_nightly_check_deletes_old_orphans_only(db):
    loan = request_in_circle()
    services.loan_request_update(
        loan=loan, changed_by=loan.prepared_by, document=upload("e.pdf", pdf_bytes())
    )
    kept = Loan.objects.get(pk=loan.pk).plan_document.name
    old_orphan = default_storage.save(f"{PLAN_FOLDER}/orphan-old.pdf", upload("o.pdf", b"%PDF-1.7"))
    new_orphan = default_storage.save(f"{PLAN_FOLDER}/orphan-new.pdf", upload("n.pdf", b"%PDF-1.7"))
    two_days_ago = (datetime.datetime.now() - datetime.timedelta(days=2)).timestamp()  # noqa: DTZ005
    os.utime(default_storage.path(old_orphan), (two_days_ago, two_days_ago))
    os.utime(default_storage.path(kept), (two_days_ago, two_days_ago))
    result = plan_documents_purge_orphans()
    assert result == {"deleted": 1, "missing": 0}
    assert not default_storage.exists(old_orphan)
    assert default_storage.exists(new_orphan) and default_storage.exists(kept)
    default_storage.delete(kept)
    assert plan_documents_purge_orphans()["missing"] == 1


def test_the_nightly_check_is_scheduled():
    from celery import current_app

    import loans.tasks  # noqa: F401  (registers the task)

    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "loans.purge_orphan_plan_documents" in entries
    assert "loans.purge_orphan_plan_documents" in current_app.tasks
