"""Fields the coaching records share."""

from django.conf import settings
from django.db import models


def author_field(verbose_name) -> models.ForeignKey:
    """Who recorded the row: a staff member, kept when their account goes (no reverse accessor)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )
