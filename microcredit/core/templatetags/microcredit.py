import datetime
from decimal import Decimal

from django import template

from microcredit.core.money import format_money

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
    return format_money(Decimal(value))
