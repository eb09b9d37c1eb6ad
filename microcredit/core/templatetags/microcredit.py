import datetime

from django import template

register = template.Library()


@register.filter
def minutes(duration: datetime.timedelta | None) -> int:
    """Whole minutes of a duration, rounded up (for messages such as "try again in 15 minutes")."""
    if not duration:
        return 0
    return -(-int(duration.total_seconds()) // 60)
