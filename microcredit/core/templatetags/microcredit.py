import datetime
from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language

from microcredit.core.money import to_cents

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
    amount = to_cents(Decimal(value))
    number = number_format(amount, 2, use_l10n=True, force_grouping=True)
    return f"{number}\xa0$" if get_language().startswith("fr") else f"${number}"
