"""The private calendar address of a staff member: created, replaced or switched off by its owner."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circles.models import CalendarFeed
from microcredit.accounts.models import Role, User

CALENDAR_ROLES = (Role.ADVISOR, Role.COORDINATOR)


@transaction.atomic
def calendar_feed_regenerate(*, user: User) -> CalendarFeed:
    """A new random address for ``user``'s meetings; any previous one stops working."""
    if not (user.is_active and user.role in CALENDAR_ROLES):
        raise ValidationError(_("Only advisors and coordinators have a calendar address."))
    feed, _created = CalendarFeed.objects.select_for_update().get_or_create(
        user=user, defaults={"token": secrets.token_urlsafe(32)}
    )
    if not _created:
        feed.token, feed.created_at = secrets.token_urlsafe(32), timezone.now()
        feed.save(update_fields=["token", "created_at"])
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> bool:
    """Switch ``user``'s calendar address off. Returns whether there was one."""
    deleted, _rows = CalendarFeed.objects.filter(user=user).delete()
    return bool(deleted)
