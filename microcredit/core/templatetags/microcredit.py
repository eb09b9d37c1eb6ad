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


# The filters that write one value exactly as ``formatting`` does (its functions say how, in each language).
AS_FORMATTED = {
    "rate": formatting.format_rate,  # an interest rate: "7,5 %" / "7.5%"
    "count": formatting.format_count,  # a grouped count: "1 234" / "1,234"
    "ordinal": formatting.format_ordinal,  # "1er", "2e" / "1st", "2nd"
    "longdate": formatting.format_date,  # in sentences: "1er décembre 2026" / "December 1, 2026"
    "longdatetime": formatting.format_datetime,  # in sentences: "1er décembre 2026, 13 h 40"
    "shortdatetime": formatting.format_short_datetime,  # in tables: "2026-12-01 13 h 40" / "… 1:40 p.m."
    "clock": formatting.format_time,  # an hour of the day: "18 h 30" / "6:30 p.m."
    "shortdate": formatting.format_short_date,  # in tables: 2026-12-01
    "weekday": formatting.format_weekday_date,  # in agendas: "samedi 12 décembre" / "Saturday, December 12"
    "cell": formatting.format_cell,  # a cell of a report table (``reports.tables``), screen and PDF
}
for _name, _format in AS_FORMATTED.items():
    register.filter(_name, _format)


@register.simple_tag
def colon() -> str:
    """The colon a template writes after a label or a name: " :" (non-breaking space) in French, ":" in
    English, so "Conseiller·ère : Amélie" but "Advisor: Amélie"."""
    return formatting.colon()
