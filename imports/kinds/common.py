"""What several kinds share: look-ups of advisors and of entrepreneurs by their external id, checks across
the file's rows."""

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from microcredit.accounts.models import EntrepreneurProfile, Role, User
from microcredit.core.sql import text_rows

ENTREPRENEURS = "entrepreneurs"


def _advisor_named(reference: str) -> User | None:
    return (
        User.objects.filter(role=Role.ADVISOR, is_active=True)
        .filter(Q(username__iexact=reference) | Q(email__iexact=reference))
        .first()
    )


def find_advisors(references, context: dict) -> None:
    """Look up at once the advisors that ``references`` name and ``find_advisor`` has not met yet (a chunk of
    rows): the same answer as ``find_advisor`` one by one — the first active advisor in the people's order
    whose login or email address is the reference without case — in two queries."""
    cache = context.setdefault("advisors", {})
    wanted = {}
    for reference in references:
        if reference and reference.lower() not in cache:
            wanted.setdefault(reference.lower(), reference)
    if not wanted:
        return
    order = ", ".join(f"u.{name}" for name in ("last_name", "first_name", "username"))
    before, source, params = text_rows(("c",), [(reference,) for reference in wanted.values()])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""{before}SELECT c.c, u.id FROM {source}
                JOIN accounts_user u ON UPPER(u.username) = UPPER(c.c) OR UPPER(u.email) = UPPER(c.c)
                WHERE u.role = %s AND u.is_active ORDER BY c.c, {order}""",  # noqa: S608 (fixed names)
            [*params, Role.ADVISOR],
        )
        found = {}
        for reference, pk in cursor.fetchall():
            found.setdefault(reference, pk)  # the first in the people's order
    advisors = User.objects.in_bulk(set(found.values()))
    for key, reference in wanted.items():
        cache[key] = advisors.get(found.get(reference))


def find_advisor(reference: str, context: dict, column: str = "advisor") -> User:
    """An active advisor by login or email address, remembered for the rest of the file."""
    cache = context.setdefault("advisors", {})
    key = reference.lower()
    if key not in cache:
        cache[key] = _advisor_named(reference)
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
