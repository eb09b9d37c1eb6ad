"""Derived per-entrepreneur figures that the caseload pages rank and count by."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from microcredit.accounts.models import EntrepreneurProfile


class CaseloadPosition(models.Model):
    """One narrow row per entrepreneur who has had a coaching session or a referral: the date of the latest
    session, the follow-up it planned and how many referrals are still open. The coaching services keep it
    in the same transaction as each change (``coaching.services.positions``); ``manage.py rebuild_caseload``
    recomputes it (``--check`` compares). No row reads as "never contacted, nothing planned, no referral".

    It exists so that the homes and the caseload rank and count a caseload of thousands in SQL from one
    indexed row per person, instead of a subquery over every coaching session per person."""

    profile = models.OneToOneField(
        EntrepreneurProfile,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="caseload_position",
        verbose_name=_("entrepreneur"),
    )
    # Derived, never typed: not editable in any form.
    last_contact_on = models.DateField(_("last contact"), null=True, blank=True, editable=False)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True, editable=False)
    open_referrals = models.PositiveIntegerField(_("open referrals"), default=0, editable=False)

    class Meta:
        verbose_name = _("caseload position")
        verbose_name_plural = _("caseload positions")
        indexes = [
            models.Index(fields=["next_follow_up_on"], name="coaching_position_follow_up"),
            models.Index(fields=["last_contact_on"], name="coaching_position_contact"),
        ]

    def __str__(self) -> str:
        return str(self.profile_id)
