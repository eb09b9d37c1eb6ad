"""The optional business plan document: a PDF or office file of at most 10 MB, checked by its structure.

- One list of types (``ALLOWED_EXTENSIONS``) for the form's picker and the validator.
- A PDF must parse (pypdf), hold at least one page, and carry no active content (JavaScript, launch
  actions, attached files) nor HTML (a PDF/HTML polyglot).
- An office file (OOXML or OpenDocument) is a ZIP archive that holds only the parts its type has, no
  macros and no executable under any name; its size once unpacked is bounded (no ZIP bomb).
- Legacy binary .doc/.xls files are not accepted: their content cannot be checked part by part.
- Files are written inside the service and removed again if it fails; a replaced file is deleted once the
  change is committed; ``plan_documents_purge_orphans`` (nightly) removes files no loan points to.
"""

import contextvars
import datetime
import functools
import logging
import re
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = settings.UPLOAD_MAX_BYTES  # 10 MB; past it the upload handler stores nothing more
ALLOWED_EXTENSIONS = ("pdf", "docx", "xlsx", "pptx", "odt", "ods")
ACCEPT = ",".join(f".{extension}" for extension in ALLOWED_EXTENSIONS)  # the form's file picker
PLAN_FOLDER = "loans/plans"

OPEN_DOCUMENT_TYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}
OOXML_FOLDERS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
OOXML_COMMON = ("[Content_Types].xml", "_rels/", "docProps/", "customXml/")
OPEN_DOCUMENT_PARTS = (
    "mimetype",
    "META-INF/",
    "content.xml",
    "styles.xml",
    "meta.xml",
    "settings.xml",
    "manifest.rdf",
    "Thumbnails/",
    "Pictures/",
    "Configurations2/",
    "Object ",
    "ObjectReplacements/",
)
MAX_ARCHIVE_ENTRIES = 2000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
EXECUTABLE_NAMES = re.compile(
    r"\.(exe|dll|com|scr|bat|cmd|ps1|vbs|vbe|js|jse|wsf|msi|jar|sh|elf|app|lnk|hta|cpl)$", re.IGNORECASE
)
MACRO_PARTS = re.compile(r"(^|/)vbaProject\.bin$|(^|/)vbaData\.xml$|^Basic/|^Scripts/", re.IGNORECASE)
EXECUTABLE_MARKS = (b"This program cannot be run in DOS mode", b"\x7fELF")
HTML_MARKS = re.compile(rb"<\s*(html|script|body|iframe|svg|object|embed)\b", re.IGNORECASE)
PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)\b")


def _content_error(extension: str) -> ValidationError:
    return ValidationError(
        _("The content of this file does not match a %(extension)s document.")
        % {"extension": extension.upper()},
        code="content",
    )


def _unsafe() -> ValidationError:
    return ValidationError(
        _(
            "This file holds active content (macros, scripts or a program): "
            "save it without them and try again."
        ),
        code="unsafe",
    )


def _check_pdf(upload: UploadedFile) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if HTML_MARKS.search(data):
        raise _content_error("pdf")
    if PDF_ACTIVE.search(data):
        raise _unsafe()
    try:
        reader = PdfReader(upload, strict=False)
        pages = len(reader.pages)
        root = reader.trailer["/Root"]
        names = root.get("/Names") or {}
        active = "/OpenAction" in root and "/JS" in str(root["/OpenAction"])
        active = active or "/JavaScript" in names or "/EmbeddedFiles" in names or "/AA" in root
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError):
        raise _content_error("pdf") from None
    finally:
        upload.seek(0)
    if pages < 1:
        raise _content_error("pdf")
    if active:
        raise _unsafe()


def _archive_type(names: list[str], archive: zipfile.ZipFile) -> str | None:
    if "mimetype" in names:
        return OPEN_DOCUMENT_TYPES.get(archive.read("mimetype").strip())
    if "[Content_Types].xml" in names:
        kinds = {kind for folder, kind in OOXML_FOLDERS.items() if any(n.startswith(folder) for n in names)}
        return kinds.pop() if len(kinds) == 1 else None
    return None


def _check_archive(upload: UploadedFile, extension: str) -> None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            names = [entry.filename for entry in entries]
            if len(entries) > MAX_ARCHIVE_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
                raise _content_error(extension)
            if _archive_type(names, archive) != extension:
                raise _content_error(extension)
            if extension in ("odt", "ods"):
                expected = OPEN_DOCUMENT_PARTS
            else:
                folder = next(f for f, kind in OOXML_FOLDERS.items() if kind == extension)
                expected = (*OOXML_COMMON, folder)
            for name in names:
                if name.startswith(("/", "\\")) or ".." in name.split("/") or not name.startswith(expected):
                    raise _content_error(extension)
                if EXECUTABLE_NAMES.search(name) or MACRO_PARTS.search(name):
                    raise _unsafe()
            for entry in entries:
                if entry.is_dir():
                    continue
                with archive.open(entry) as part:
                    content = part.read(MAX_UNPACKED_BYTES + 1)
                if content.startswith(b"MZ") or any(mark in content for mark in EXECUTABLE_MARKS):
                    raise _unsafe()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError):
        raise _content_error(extension) from None
    finally:
        upload.seek(0)


def validate_plan_document(upload: UploadedFile) -> None:
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(_("The document is larger than 10 MB."), code="too_large")
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            _("Attach a PDF or an office document (Word, Excel, PowerPoint, OpenDocument)."), code="extension"
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if extension == "pdf":
        if not head.startswith(b"%PDF-"):
            raise _content_error(extension)
        _check_pdf(upload)
    else:
        if not head.startswith(b"PK\x03\x04"):
            raise _content_error(extension)
        _check_archive(upload, extension)


# --- The files' life: written with the record, never outliving it -----------------------------------------

_written: contextvars.ContextVar[list | None] = contextvars.ContextVar("plan_documents_written", default=None)


def files_removed_on_error(service):
    """Around a service (outside its transaction): a file it wrote is deleted again if it fails, so a
    refused or rolled-back change leaves nothing on disk."""

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        token = _written.set([])
        try:
            return service(*args, **kwargs)
        except BaseException:
            for storage, name in _written.get() or []:
                storage.delete(name)
            raise
        finally:
            _written.reset(token)

    return wrapper


def attach_plan_document(loan, document: UploadedFile | None) -> None:
    """Check and store ``document`` as the loan's business plan; the file it replaces is deleted once the
    change is committed (never before: a rolled-back change keeps the old file)."""
    if document is None:
        return
    validate_plan_document(document)
    field = loan.plan_document
    previous = field.name
    loan.plan_document_name = document.name[:200]
    field.save(document.name, document, save=False)
    written = _written.get()
    if written is not None:
        written.append((field.storage, field.name))
    if previous and previous != field.name:
        storage = field.storage
        transaction.on_commit(lambda: storage.delete(previous))


def plan_documents_purge_orphans(*, older_than: datetime.timedelta = datetime.timedelta(days=1)) -> dict:
    """Delete the stored plan files that no loan points to (older than ``older_than``, so that an upload
    being saved right now is left alone), and report the loans whose file is missing."""
    from loans.models import Loan

    referenced = set(Loan.objects.exclude(plan_document="").values_list("plan_document", flat=True))
    cutoff = timezone.now() - older_than
    storage = default_storage
    deleted = 0
    try:
        _folders, files = storage.listdir(PLAN_FOLDER)
    except FileNotFoundError:
        files = []
    for filename in files:
        name = f"{PLAN_FOLDER}/{filename}"
        if name in referenced:
            continue
        if storage.get_modified_time(name) < cutoff:
            storage.delete(name)
            deleted += 1
    missing = sorted(name for name in referenced if not storage.exists(name))
    if deleted or missing:
        logger.warning("Plan documents: %s orphan file(s) deleted, %s missing", deleted, len(missing))
    return {"deleted": deleted, "missing": len(missing)}
