"""Repayment reminders and the advisors' daily digests: one row per message, claimed before it is sent.

Imported by ``loans.models`` (so Django registers them); foreign keys name their targets as strings, so this
module never imports ``loans.models`` back.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from microcredit.core.dates import BoundedDateField, DateKind
from microcredit.core.jobs import SendOnce
from microcredit.core.money_fields import MoneyModelField


class ReminderChannel(models.TextChoices):
    EMAIL = "email", _("Email to the borrower")
    ADVISOR_DIGEST = "advisor_digest", _("Call by the advisor (daily digest)")


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    # A reminder ("un rappel") is masculine in French: "envoyé", "annulé".
    SENT = "sent", pgettext_lazy("reminder status", "Sent")
    CANCELLED = "cancelled", pgettext_lazy("reminder status", "Cancelled")
    FAILED = "failed", _("Failed")


class DigestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", pgettext_lazy("reminder status", "Sent")
    EMPTY = "empty", _("Nothing to report")
    FAILED = "failed", _("Failed")


def reminder_kind_label(kind: str) -> str:
    """ "before_3" -> "3 days before the due date"; "after_7" -> "7 days after the due date"."""
    when, _sep, days_text = kind.partition("_")
    try:
        days = int(days_text)
    except ValueError:
        return kind
    if when == "before":
        text = ngettext("%(days)s day before the due date", "%(days)s days before the due date", days)
    else:
        text = ngettext("%(days)s day after the due date", "%(days)s days after the due date", days)
    return text % {"days": days}


class AdvisorDigest(SendOnce):
    """One email a day to an advisor: the overdue loans of their circles and caseload, and the people
    without an email address to call about a reminder. The unique (advisor, day) row is the claim."""

    advisor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="reminder_digests", verbose_name=_("advisor")
    )
    day = BoundedDateField(_("day"), date_kind=DateKind.ANY)
    status = models.CharField(
        _("status"), max_length=10, choices=DigestStatus.choices, default=DigestStatus.PENDING
    )
    recipient = models.CharField(_("sent to"), max_length=254, blank=True)
    overdue_loans = models.PositiveIntegerField(_("overdue loans"), default=0)
    people_to_call = models.PositiveIntegerField(_("people to call"), default=0)

    class Meta:
        verbose_name = _("advisor digest")
        verbose_name_plural = _("advisor digests")
        ordering = ["-day", "advisor"]
        constraints = [
            models.UniqueConstraint(fields=["advisor", "day"], name="loans_one_digest_per_advisor_and_day"),
            models.CheckConstraint(
                condition=Q(status__in=DigestStatus.values), name="loans_digest_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.advisor_id} · {self.day}"


class Reminder(SendOnce):
    """A repayment reminder about one instalment. ``kind`` says when: "before_3" is three days before the
    due date, "after_7" seven days after it. The unique (instalment, kind) row is the claim: a scan run
    twice, or on two workers, creates it once; sending claims it again (pending -> sending)."""

    loan = models.ForeignKey(
        "loans.Loan", on_delete=models.PROTECT, related_name="reminders", verbose_name=_("loan")
    )
    # Emptied when a restructuring or a settlement replaces the instalment (its pending reminders are
    # cancelled first; the sent ones stay on record).
    instalment = models.ForeignKey(
        "loans.Instalment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("instalment"),
    )
    kind = models.CharField(_("kind"), max_length=20)
    channel = models.CharField(_("channel"), max_length=20, choices=ReminderChannel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    recipient = models.CharField(_("sent to"), max_length=254, blank=True)
    amount = MoneyModelField(
        _("amount asked"),
        null=True,
        blank=True,
    )
    digest = models.ForeignKey(
        AdvisorDigest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("advisor digest"),
    )

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["instalment", "kind"], name="loans_one_reminder_per_kind"),
            models.CheckConstraint(
                condition=Q(status__in=ReminderStatus.values), name="loans_reminder_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=ReminderChannel.values), name="loans_reminder_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__regex=r"^(before|after)_[0-9]+$"), name="loans_reminder_kind_valid"
            ),
        ]
        indexes = [
            # The digest and the scan look up unfinished reminders; most rows are sent or cancelled.
            models.Index(
                fields=["channel", "status"],
                name="loans_reminder_open_idx",
                condition=Q(status__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instalment_id} · {self.kind} · {self.status}"

    @property
    def kind_label(self) -> str:
        return reminder_kind_label(self.kind)

    @property
    def is_before(self) -> bool:
        return self.kind.startswith("before_")
