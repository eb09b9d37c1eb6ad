"""Uploads stop being stored once they pass ``UPLOAD_MAX_BYTES``.

The first handler of ``FILE_UPLOAD_HANDLERS`` counts each file's bytes as they stream in. Past the limit it
keeps nothing more (neither memory nor disk grows) and hands the form an empty stand-in that knows the
real size, so the form's own size check answers "larger than 10 MB" next to the field, and the other
fields the person typed are kept. The reverse proxy refuses bodies beyond its own cap before Django reads
them (``client_max_body_size``).
"""

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class OversizedUpload(SimpleUploadedFile):
    """What is left of a file that passed the limit: its name and the size it reached, no content."""

    def __init__(self, name: str, content_type: str | None, size: int):
        super().__init__(name, b"", content_type)
        self.size = size


class CappedUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.oversized = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self.oversized = True
            return None  # the following handlers store nothing more
        return raw_data

    def file_complete(self, file_size):
        if self.oversized:
            return OversizedUpload(self.file_name, self.content_type, self.received)
        return None  # the next handler (memory or temporary file) completes the file
