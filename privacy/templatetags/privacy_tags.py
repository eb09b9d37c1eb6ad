from django import template

from privacy.selectors import overdue_requests

register = template.Library()


@register.simple_tag
def overdue_privacy_requests(user) -> list:
    return list(overdue_requests(user).select_related(None)[:20])
