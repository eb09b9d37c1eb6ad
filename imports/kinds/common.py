"""What several kinds share: look-ups of advisors and of entrepreneurs by their external id, checks across
the file's rows."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from microcredit.accounts.models import EntrepreneurProfile, Role, User

ENTREPRENEURS = "entrepreneurs"


def find_advisor(reference: str, context: dict, column: str = "advisor") -> User:
    """An active advisor by login or email address, remembered for the rest of the file."""
    cache = context.setdefault("advisors", {})
    key = reference.lower()
    if key not in cache:
        cache[key] = (
            User.objects.filter(role=Role.ADVISOR, is_active=True)
            .filter(Q(username__iexact=reference) | Q(email__iexact=reference))
            .first()
        )
    if cache[key] is None:
        raise ValidationError(
            {
                column: _("Unknown advisor “%(name)s”: give the login or email of an active advisor.")
                % {"name": reference}
            }
        )
    return cache[key]


def find_entrepreneur(external_id: str, column: str) -> EntrepreneurProfile:
    from imports.services import external_object_id

    pk = external_object_id(ENTREPRENEURS, external_id)
    profile = EntrepreneurProfile.objects.select_related("user").filter(pk=pk).first() if pk else None
    if profile is None:
        raise ValidationError(
            {
                column: _("Unknown entrepreneur id “%(id)s”: import the entrepreneurs file first.")
                % {"id": external_id}
            }
        )
    return profile


def check_unique_in_file(context: dict, name: str, key, row: int, column: str) -> None:
    seen = context.setdefault(f"seen_{name}", {})
    if key in seen:
        raise ValidationError(
            {column: _("This id already appears on row %(row)s of the file.") % {"row": seen[key]}}
        )
    seen[key] = row


def check_same_as_first(wanted: dict, first: dict, fields, first_row: int, differs: str) -> None:
    """A record repeated over several rows (a circle, a training) says the same on each: the first of
    ``fields`` that differs from its first row is refused (``differs``, with ``%(row)s``)."""
    for name in fields:
        if wanted[name] != first[name]:
            raise ValidationError({name: differs % {"row": first_row}})
