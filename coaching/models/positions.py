"""Derived per-entrepreneur figures that the caseload pages rank and count by."""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core.dates import BoundedDateField, DateKind

# The kinds of caseload counters (``CaseloadCount``) and the day of those without one.
NO_DAY = datetime.date(1, 1, 1)
PEOPLE, NO_EMAIL, FOLLOW_UP, SINCE, FLAGGED, RULE = (
    "people",
    "no_email",
    "follow_up",
    "since",
    "flagged",
    "rule",
)


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


class CaseloadTally(models.Model):
    """Derived: one row per entrepreneur holding what the caseload counters (``CaseloadCount``) count them
    under, so that a change moves them from one count to another without recounting anyone: whose caseload
    (``advisor_key``, 0 for none), whether they have an email address, the planned follow-up, the day counted
    as the last contact (the latest session, else the intake), since when a loan of theirs is late, whether a
    request of theirs is pending, and the first day the caseload flags them (``flagged_from``: every flag
    starts on a day and stays until a change, which recomputes the row). Kept with ``CaseloadPosition`` by
    ``coaching.services.counts`` in the transaction of each change; ``manage.py rebuild_caseload`` recomputes
    it (``--check`` compares)."""

    profile = models.OneToOneField(
        EntrepreneurProfile,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="caseload_tally",
        verbose_name=_("entrepreneur"),
    )
    advisor_key = models.BigIntegerField(_("advisor"), default=0, editable=False)
    has_email = models.BooleanField(_("has an email address"), default=False, editable=False)
    follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True, editable=False)
    since_on = models.DateField(_("last contact or intake"), editable=False)
    arrears_since = models.DateField(_("late since"), null=True, blank=True, editable=False)
    pending_request = models.BooleanField(_("pending loan request"), default=False, editable=False)
    flagged_from = models.DateField(_("flagged from"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("caseload tally")
        verbose_name_plural = _("caseload tallies")
        indexes = [models.Index(fields=["advisor_key", "flagged_from"], name="coaching_tally_flagged")]

    def __str__(self) -> str:
        return str(self.profile_id)


class CaseloadCount(models.Model):
    """Derived counters of the caseloads, per advisor (``advisor_key``, 0 for the entrepreneurs without one)
    and per day: how many people (``kind`` "people", no day), without an email address ("no_email"), with a
    follow-up planned on each day ("follow_up"), last contacted (or taken in) on each day ("since"), flagged
    from each day ("flagged"). A count as of today sums a range of days (overdue follow-ups: the days before
    today), so the homes read a few hundred rows at most, whatever the number of people. Kept by
    ``coaching.services.counts`` (``CaseloadTally``); ``manage.py rebuild_caseload`` recomputes them. The row
    of kind "rule" holds the no-contact delay the "flagged" days were computed with."""

    advisor_key = models.BigIntegerField(_("advisor"))
    kind = models.CharField(_("kind"), max_length=12)
    day = BoundedDateField(_("day"), date_kind=DateKind.ANY)  # NO_DAY for the counts that have none
    count = models.IntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("caseload count")
        verbose_name_plural = _("caseload counts")
        constraints = [
            models.UniqueConstraint(
                fields=["advisor_key", "kind", "day"], name="coaching_caseloadcount_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.advisor_key} · {self.kind} · {self.day}"
