"""Retention that anonymizes (Quebec's Law 25): how long a closed file is kept, and what anonymizing it means.

Each app registers, from its ``ready()``, what it knows (``register``): the people it must keep whole (an open
loan, an active membership: ``holds``), the date of each person's last closed loan (``last_loan_closed``) or
last contact (``last_contact``), and how it scrubs what it keeps about a person (``anonymizer``: names,
contacts, free-text notes), keeping the financial rows the organization must keep for its accounts (amounts,
dates, statuses), so the board's reports give the same totals before and after. The privacy app runs the
pass (a dry-run list first, then the beat task) and records what was anonymized.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from microcredit.accounts.models import EntrepreneurProfile

Holds = Callable[[], set[int]]
Dates = Callable[[], dict[int, datetime.date]]
Anonymizer = Callable[[EntrepreneurProfile], list[str]]

_holds: list[Holds] = []
_loan_closed: list[Dates] = []
_contact: list[Dates] = []
_anonymizers: list[Anonymizer] = []

BORROWER = "borrower"
NEVER_BORROWED = "never_borrowed"
CATEGORIES = {
    BORROWER: _("After the last loan is repaid or written off"),
    NEVER_BORROWED: _("Never borrowed"),
}


def register(
    *,
    holds: Holds | None = None,
    last_loan_closed: Dates | None = None,
    last_contact: Dates | None = None,
    anonymizer: Anonymizer | None = None,
) -> None:
    for registry, func in ((_holds, holds), (_loan_closed, last_loan_closed), (_contact, last_contact)):
        if func is not None and func not in registry:
            registry.append(func)
    if anonymizer is not None and anonymizer not in _anonymizers:
        _anonymizers.append(anonymizer)


def _latest(sources: list[Dates]) -> dict[int, datetime.date]:
    merged: dict[int, datetime.date] = {}
    for source in sources:
        for profile_id, day in source().items():
            if day is not None and (profile_id not in merged or day > merged[profile_id]):
                merged[profile_id] = day
    return merged


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Candidate:
    profile_id: int
    name: str
    category: str
    last_activity: datetime.date
    due_on: datetime.date

    @property
    def category_label(self) -> str:
        return str(CATEGORIES[self.category])


def candidates(*, today: datetime.date, years_after_loan: int, years_without_loan: int) -> list[Candidate]:
    """Everyone whose file is past retention today and not held by an app (a bounded number of queries)."""
    held = set().union(*(holds() for holds in _holds)) if _holds else set()
    loan_closed = _latest(_loan_closed)
    contact = _latest(_contact)
    found = []
    profiles = EntrepreneurProfile.objects.filter(anonymized_at__isnull=True).exclude(pk__in=held)
    for profile_id, intake, last_login, first, last in profiles.values_list(
        "pk", "intake_date", "user__last_login", "user__first_name", "user__last_name"
    ):
        if profile_id in loan_closed:
            category, last_activity = BORROWER, loan_closed[profile_id]
            due_on = _add_years(last_activity, years_after_loan)
        else:
            days = [intake, contact.get(profile_id), last_login.date() if last_login else None]
            category, last_activity = NEVER_BORROWED, max(day for day in days if day is not None)
            due_on = _add_years(last_activity, years_without_loan)
        if due_on <= today:
            found.append(Candidate(profile_id, f"{first} {last}".strip(), category, last_activity, due_on))
    return sorted(found, key=lambda c: (c.due_on, c.profile_id))


def anonymize(profile: EntrepreneurProfile) -> list[str]:
    """Runs every app's anonymizer on ``profile`` (in the caller's transaction); returns what was scrubbed."""
    done: list[str] = []
    for anonymizer in _anonymizers:
        done.extend(anonymizer(profile))
    return done
