"""The kinds of documents, registered by the apps that own what they show.

An app describes each of its PDFs with a :class:`Kind` (its parameters, who may ask for and download it, the
template and the context builder) and registers it from its ``AppConfig.ready()``, the way it registers its
access policies: ``documents`` builds, stores and serves PDFs and imports no app. The rule of who may read a
document is checked when it is asked for and again on every later look at it, so losing access to a loan
also loses access to its PDFs.
"""

import datetime
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.text import slugify

from microcredit.accounts.models import User


@dataclass(frozen=True)
class Kind:
    code: str
    label: str | Promise  # translated lazily: the file name and page title are in the reader's language
    template: str
    param_names: tuple[str, ...]
    allowed: Callable[[User, dict], bool]
    context: Callable[[dict, datetime.date], dict]
    subject: Callable[[dict], str]  # for the file name
    back_url: Callable[[dict], str]
    # Extra parameters other than ids (e.g. dates): given the form data, returns them cleaned (JSON values)
    # or raises ValueError.
    clean_extra: Callable[[Mapping], dict] | None = None
    # The language the PDF is written in, when it is not its reader's (e.g. an investor's statement is in
    # the investor's language): given the parameters, a language code or None.
    language: Callable[[dict], str | None] | None = None
    # The entrepreneur the document is about (her profile id), if any: a staff download is then written to
    # the file-access log (Law 25).
    person: Callable[[dict], int | None] | None = None

    def clean(self, data: Mapping) -> dict:
        """The parameters from a form: whole numbers only, nothing else kept. Raises ValueError."""
        params = {}
        for name in self.param_names:
            value = data.get(name)
            if value is None or not str(value).isdigit():
                raise ValueError(f"{name} must be a whole number")
            params[name] = int(value)
        if self.clean_extra is not None:
            params.update(self.clean_extra(data))
        return params

    def filename(self, params: dict, today: datetime.date) -> str:
        parts = [slugify(str(self.label)), slugify(self.subject(params)), today.isoformat()]
        return "-".join(part for part in parts if part) + ".pdf"


_KINDS: dict[str, Kind] = {}


def register(*kinds: Kind) -> None:
    """Called from an app's ``ready()``. Registering the same code twice with another kind is a mistake."""
    for kind in kinds:
        existing = _KINDS.get(kind.code)
        if existing is not None and existing != kind:
            raise ImproperlyConfigured(f"Document kind {kind.code!r} is registered twice")
        if len(kind.code) > 30:
            raise ImproperlyConfigured(f"Document kind code {kind.code!r} is longer than 30 characters")
        _KINDS[kind.code] = kind


def get_kind(code: str) -> Kind | None:
    return _KINDS.get(code)


def all_kinds() -> Iterator[Kind]:
    return iter(_KINDS.values())
