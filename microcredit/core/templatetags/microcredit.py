"""The ``microcredit`` template library: every amount, percentage, count and date a template writes goes
through ``microcredit.core.formatting`` (``money``, ``percent``, ``rate``, ``count``, ``longdate``,
``shortdate``, ``weekday``, ``cell``)."""

import datetime
from decimal import Decimal

from django import template

from microcredit.core import formatting

register = template.Library()


@register.filter
def minutes(duration: datetime.timedelta | None) -> int:
    """Whole minutes of a duration, rounded up (for messages such as "try again in 15 minutes")."""
    if not duration:
        return 0
    return -(-int(duration.total_seconds()) // 60)


@register.filter
def money(value) -> str:
    """An amount in dollars, to the cent, the way each language writes it: "1 500,00 $" / "$1,500.00"."""
    if value in (None, ""):
        return ""
    return formatting.format_money(Decimal(value))


@register.filter
def percent(value, places: int = 1) -> str:
    """A percentage: "46,3 %" / "46.3%" ("—" for None)."""
    return formatting.format_percent(value, int(places))


@register.filter
def rate(value) -> str:
    """An interest rate: "7,5 %" / "7.5%"."""
    return formatting.format_rate(value)


@register.filter
def count(value) -> str:
    """A grouped count: "1 234" / "1,234"."""
    return formatting.format_count(value)


@register.filter
def ordinal(value) -> str:
    """An ordinal: "1er", "2e" / "1st", "2nd"."""
    return formatting.format_ordinal(value)


@register.filter
def longdate(value) -> str:
    """The long date of sentences: "1er décembre 2026" / "December 1, 2026"."""
    return formatting.format_date(value)


@register.filter
def longdatetime(value) -> str:
    """A moment in a sentence: "1er décembre 2026, 13 h 40" / "December 1, 2026, 1:40 p.m."."""
    return formatting.format_datetime(value)


@register.filter
def shortdatetime(value) -> str:
    """A moment in a table: "2026-12-01 13 h 40" / "2026-12-01 1:40 p.m."."""
    return formatting.format_short_datetime(value)


@register.filter
def clock(value) -> str:
    """An hour of the day: "18 h 30" / "6:30 p.m."."""
    return formatting.format_time(value)


@register.filter
def shortdate(value) -> str:
    """The short date of tables: 2026-12-01."""
    return formatting.format_short_date(value)


@register.filter
def weekday(value) -> str:
    """A day with its weekday, for agendas: "samedi 12 décembre" / "Saturday, December 12"."""
    return formatting.format_weekday_date(value)


@register.filter
def cell(value) -> str:
    """A cell of a report table (``reports.tables``), written for the screen and the PDF."""
    return formatting.format_cell(value)


@register.simple_tag
def colon() -> str:
    """The colon a template writes after a label or a name: " :" (non-breaking space) in French, ":" in
    English, so "Conseiller·ère : Amélie" but "Advisor: Amélie"."""
    return formatting.colon()
