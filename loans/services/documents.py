"""The optional business plan document: a PDF or office file of at most 10 MB, checked by its content."""

import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

MAX_DOCUMENT_BYTES = settings.UPLOAD_MAX_BYTES  # 10 MB; past it the upload handler stores nothing more
ALLOWED_EXTENSIONS = {"pdf", "docx", "xlsx", "pptx", "odt", "ods", "doc", "xls"}
OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
OPEN_DOCUMENT_TYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}
OOXML_FOLDERS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}


def detect_document_type(upload: UploadedFile) -> str | None:
    """What the file really is, from its bytes: "pdf", "docx", "odt", "doc"/"xls" (OLE)... or None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(OLE_SIGNATURE):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
                if "mimetype" in names:
                    return OPEN_DOCUMENT_TYPES.get(archive.read("mimetype").strip())
                if "[Content_Types].xml" in names:
                    for folder, kind in OOXML_FOLDERS.items():
                        if any(name.startswith(folder) for name in names):
                            return kind
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
    return None


def validate_plan_document(upload: UploadedFile) -> None:
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(_("The document is larger than 10 MB."), code="too_large")
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            _("Attach a PDF or an office document (Word, Excel, PowerPoint, OpenDocument)."), code="extension"
        )
    detected = detect_document_type(upload)
    expected = "ole" if extension in ("doc", "xls") else extension
    if detected != expected:
        raise ValidationError(
            _("The content of this file does not match a %(extension)s document.")
            % {"extension": extension.upper()},
            code="content",
        )
