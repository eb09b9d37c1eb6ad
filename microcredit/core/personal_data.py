"""A person's complete file (Quebec's Law 25, access and portability): every row that names her.

Each app registers, from its ``AppConfig.ready()``, the models that can name an entrepreneur and the lookups
that lead from a row to her profile (``register(Model, "circles", paths=("profile",))``). The file is then
built from the registry alone, field by field, so a field added to a registered model is in the file the day
it is added, and a new model that names a person is caught by ``tests/privacy/test_complete_file.py`` until
it is registered (or listed there as left out on purpose, with the reason).

Fields are exported as they are stored (JSON) and shown with their translated labels and choice names
(HTML, in the person's language). ``secret`` fields (tokens, password hashes) are never exported;
``staff_only`` fields (advisors' internal notes) only when the caller asks for them (a privacy request's
file, per the organization's setting: see README, "Privacy (Law 25)").
"""

import datetime
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise

from microcredit.accounts.models import EntrepreneurProfile

FORMAT = "microcredit-personal-file/1"


@dataclass(frozen=True)
class Source:
    model: type[models.Model]
    section: str  # the app that owns it: "circles", "loans", ...
    paths: tuple[str, ...]  # lookups from a row to the person's EntrepreneurProfile, any of which names her
    secret: tuple[str, ...] = ()
    staff_only: tuple[str, ...] = ()
    label: str | Promise | None = None

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    @property
    def title(self) -> str | Promise:
        return self.label or self.model._meta.verbose_name_plural

    def rows(self, profile: EntrepreneurProfile) -> models.QuerySet:
        condition = Q()
        for path in self.paths:
            condition |= Q(**{path: profile.pk})
        related = [
            f.name
            for f in self.model._meta.concrete_fields
            if f.is_relation and (f.many_to_one or f.one_to_one) and f.name not in self.secret
        ]
        return (
            self.model._default_manager.filter(condition).select_related(*related).distinct().order_by("pk")
        )

    def fields(self, *, include_staff_only: bool) -> list[models.Field]:
        skipped = set(self.secret) | (set() if include_staff_only else set(self.staff_only))
        return [f for f in self.model._meta.concrete_fields if f.name not in skipped]


_SOURCES: dict[type[models.Model], Source] = {}


def register(
    model: type[models.Model],
    section: str,
    *,
    paths: tuple[str, ...],
    secret: tuple[str, ...] = (),
    staff_only: tuple[str, ...] = (),
    label: str | Promise | None = None,
) -> None:
    _SOURCES[model] = Source(model, section, tuple(paths), tuple(secret), tuple(staff_only), label)


def sources() -> Iterator[Source]:
    yield from _SOURCES.values()


def source_for(model: type[models.Model]) -> Source | None:
    return _SOURCES.get(model)


def _json_value(obj: models.Model, f: models.Field):
    if f.is_relation:
        target = getattr(obj, f.name)
        return None if target is None else {"id": target.pk, "name": str(target)}
    value = getattr(obj, f.attname)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value


def _display(obj: models.Model, f: models.Field) -> str:
    value = getattr(obj, f.attname)
    if value is None or value == "":
        return ""
    if f.is_relation:
        return str(getattr(obj, f.name))
    if f.choices:
        return str(getattr(obj, f"get_{f.name}_display")())
    if isinstance(value, bool):
        from django.utils.translation import gettext

        return gettext("Yes") if value else gettext("No")
    if isinstance(value, models.fields.files.FieldFile):
        return value.name
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


@dataclass
class FileSection:
    key: str
    app: str
    title: str
    rows: list[dict] = field(default_factory=list)  # JSON
    readable: list[list[tuple[str, str]]] = field(default_factory=list)  # (label, value) per row, for HTML


def personal_file_sections(profile: EntrepreneurProfile, *, include_staff_only: bool) -> list[FileSection]:
    """Every registered source's rows that name ``profile`` (one query per source)."""
    sections = []
    for source in sorted(_SOURCES.values(), key=lambda s: (s.section, s.key)):
        fields = source.fields(include_staff_only=include_staff_only)
        section = FileSection(source.key, source.section, str(source.title))
        for obj in source.rows(profile):
            section.rows.append({f.name: _json_value(obj, f) for f in fields})
            section.readable.append(
                [(str(f.verbose_name), _display(obj, f)) for f in fields if not f.primary_key]
            )
        sections.append(section)
    return sections


def personal_file(profile: EntrepreneurProfile, *, include_staff_only: bool = False) -> dict:
    """The person's complete file as JSON-serializable data: ``{"sections": {"loans.loan": [...]}}``."""
    sections = personal_file_sections(profile, include_staff_only=include_staff_only)
    return {
        "format": FORMAT,
        "generated_at": timezone.now().isoformat(),
        "person": {"id": profile.pk, "name": str(profile), "language": profile.user.language},
        "includes_staff_only_notes": include_staff_only,
        "sections": {section.key: section.rows for section in sections},
    }
