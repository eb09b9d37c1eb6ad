"""The documents a person asked for, in her complete file (Law 25): registered from ``ready()``."""

from documents.models import Document
from microcredit.core.personal_data import register


def register_sources() -> None:
    register(Document, "documents", paths=("requested_by__entrepreneur_profile",), secret=("params_key",))
