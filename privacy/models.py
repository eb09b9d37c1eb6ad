"""Quebec's Law 25 registers: requests from people, confidentiality incidents, the privacy policy."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microcredit.core.dates import BoundedDateField, DateKind

ANSWER_DAYS = 30  # Law 25: a request is answered within 30 days of its receipt


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access")
    RECTIFICATION = "rectification", _("Rectification")
    PORTABILITY = "portability", _("Portability")
    WITHDRAWAL = "withdrawal", _("Withdrawal of consent")
    DELETION = "deletion", _("Deletion")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    ANSWERED = "answered", _("Answered")
    REFUSED = "refused", _("Refused (with reasons)")


CLOSED_STATUSES = (RequestStatus.ANSWERED, RequestStatus.REFUSED)


class PrivacyRequest(models.Model):
    profile = models.ForeignKey(
        "accounts.EntrepreneurProfile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person concerned"),
    )
    requester = models.CharField(
        _("who asked"), max_length=150, help_text=_("The person herself, or who asked on her behalf.")
    )
    kind = models.CharField(_("request"), max_length=20, choices=RequestKind.choices)
    details = models.TextField(_("what is asked"), blank=True)
    received_on = BoundedDateField(_("received on"), default=datetime.date.today, date_kind=DateKind.PAST)
    due_on = models.DateField(_("answer due by"), editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_on = BoundedDateField(_("answered on"), null=True, blank=True, date_kind=DateKind.PAST)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RequestKind.values), name="privacy_request_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values), name="privacy_request_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=CLOSED_STATUSES) | Q(answered_on__isnull=False),
                name="privacy_request_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.requester}"

    def save(self, *args, **kwargs):
        self.due_on = self.received_on + datetime.timedelta(days=ANSWER_DAYS)
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on < timezone.localdate()


class RiskLevel(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Not yet assessed")
    LOW = "low", _("No risk of serious injury")
    SERIOUS = "serious", _("Risk of serious injury")


class Incident(models.Model):
    """A confidentiality incident (Law 25, s. 3.5 to 3.8): kept in the register even when the risk is low."""

    discovered_on = BoundedDateField(_("discovered on"), default=datetime.date.today, date_kind=DateKind.PAST)
    description = models.TextField(_("what happened"))
    information_concerned = models.TextField(_("information concerned"))
    people_concerned = models.TextField(_("people concerned"), help_text=_("Who, or how many people."))
    risk = models.CharField(
        _("risk of serious injury"), max_length=20, choices=RiskLevel.choices, default=RiskLevel.NOT_ASSESSED
    )
    risk_assessment = models.TextField(_("assessment of the risk"), blank=True)
    measures = models.TextField(_("measures taken"), blank=True)
    commission_notified_on = BoundedDateField(
        _("Commission d'accès à l'information notified on"), null=True, blank=True, date_kind=DateKind.PAST
    )
    people_notified_on = BoundedDateField(
        _("people concerned notified on"), null=True, blank=True, date_kind=DateKind.PAST
    )
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("confidentiality incident")
        verbose_name_plural = _("confidentiality incidents")
        ordering = ["-discovered_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(risk__in=RiskLevel.values), name="privacy_incident_risk_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.discovered_on} — {self.description[:60]}"


class PolicyVersion(models.Model):
    """The organization's privacy policy, both languages; a change is a new version, the old ones are kept."""

    text_fr = models.TextField(_("policy (French)"))
    text_en = models.TextField(_("policy (English)"))
    effective_on = BoundedDateField(_("in effect from"), default=datetime.date.today, date_kind=DateKind.ANY)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("privacy policy version")
        verbose_name_plural = _("privacy policy versions")
        ordering = ["-effective_on", "-pk"]

    def __str__(self) -> str:
        return str(self.effective_on)

    def text_in(self, language: str) -> str:
        return self.text_en if language == "en" else self.text_fr


class AnonymizationRecord(models.Model):
    """What the retention pass anonymized, when and why (the person's row stays, without her name)."""

    profile = models.OneToOneField(
        "accounts.EntrepreneurProfile", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    category = models.CharField(_("category"), max_length=20)
    last_activity = models.DateField(_("last activity"))
    due_on = models.DateField(_("retention ended on"))
    what = models.JSONField(_("what was anonymized"), default=list)
    anonymized_at = models.DateTimeField(_("anonymized"), auto_now_add=True)
    anonymized_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("anonymization")
        verbose_name_plural = _("anonymizations")
        ordering = ["-anonymized_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.profile_id} · {self.anonymized_at:%Y-%m-%d}"
