"""An entrepreneur's whole story in one timeline, gathered from every app.

Each app registers a provider: a function ``(profile, viewer) -> Iterable[TimelineEvent]`` that makes a
*bounded* number of queries (no query per event). ``timeline_for`` merges them, newest first. A provider
must only return what ``viewer`` may see (for instance, staff-only coaching notes never reach an
entrepreneur).
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from microcredit.accounts.models import EntrepreneurProfile, User


@dataclass(frozen=True, order=True)
class TimelineEvent:
    when: datetime.datetime
    kind: str = field(compare=False)  # "coaching_session", "circle_meeting", "loan", "referral", ...
    title: str = field(compare=False)
    detail: str = field(default="", compare=False)
    url: str = field(default="", compare=False)


Provider = Callable[[EntrepreneurProfile, User], Iterable[TimelineEvent]]
_providers: list[Provider] = []


def timeline_provider(func: Provider) -> Provider:
    _providers.append(func)
    return func


def timeline_for(profile: EntrepreneurProfile, viewer: User, limit: int = 200) -> list[TimelineEvent]:
    events = [event for provider in _providers for event in provider(profile, viewer)]
    return sorted(events, reverse=True)[:limit]


def as_datetime(day: datetime.date | datetime.datetime) -> datetime.datetime:
    """Dates sort with datetimes at the start of their day, in the current time zone."""
    from django.utils import timezone

    if isinstance(day, datetime.datetime):
        return day
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
