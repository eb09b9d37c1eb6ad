"""The directory of partner organizations, and referrals of entrepreneurs to them (with their history)."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.models.choices import REFERRAL_CLOSED, REFERRAL_STATES, PartnerKind, ReferralStatus
from coaching.models.fields import author_field
from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core.bilingual import FrenchInPlainColumn
from microcredit.core.dates import BoundedDateField, DateKind
from microcredit.core.state import StatusChange


class Partner(FrenchInPlainColumn, models.Model):
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=30, choices=PartnerKind.choices)
    services = models.TextField(_("services offered"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.CharField(_("address"), max_length=250, blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive partners are kept but no longer offered.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="coaching_partner_name_unique_ci",
                violation_error_message=_("A partner with this name already exists."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=PartnerKind.values), name="coaching_partner_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PartnerContact(models.Model):
    """A person to reach at a partner organization."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("partner")
    )
    name = models.CharField(_("name"), max_length=150)
    title = models.CharField(_("role"), max_length=150, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.partner})"


class Referral(models.Model):
    """An entrepreneur sent to a partner for a need the organization does not meet itself.
    The status only moves along ``REFERRAL_STATES``; every move is a ``ReferralStatusChange``."""

    profile = models.ForeignKey(
        EntrepreneurProfile,
        on_delete=models.CASCADE,
        related_name="referrals",
        verbose_name=_("entrepreneur"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("partner")
    )
    reason = models.TextField(_("reason"))
    referred_on = BoundedDateField(_("date"), default=timezone.localdate, date_kind=DateKind.PAST)
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.PROPOSED
    )
    outcome = models.TextField(_("outcome"), blank=True)
    # Law 25: what is shared with the partner, with the entrepreneur's consent (``consent_subject``); the
    # referral cannot be sent without it, and a withdrawal stops the sharing (``sharing_stopped_at``).
    shared_items = models.TextField(
        _("information shared with the partner"),
        blank=True,
        help_text=_("Name each item, for example: name, phone number, business plan."),
    )
    sharing_stopped_at = models.DateTimeField(_("sharing stopped"), null=True, blank=True, editable=False)
    created_by = author_field(_("referred by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-referred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="coaching_referral_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=REFERRAL_CLOSED) | ~Q(outcome=""),
                name="coaching_referral_closed_has_outcome",
                violation_error_message=_("Describe the outcome of a completed or declined referral."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} → {self.partner}"

    @property
    def is_open(self) -> bool:
        return self.status not in REFERRAL_CLOSED

    @property
    def consent_subject(self) -> str:
        return f"referral:{self.pk}"

    @property
    def next_statuses(self) -> list[str]:
        return REFERRAL_STATES.next_statuses(self.status)


class ReferralStatusChange(StatusChange):
    """History of a referral: one row per status, the first one when it is created. Never edited."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("referral")
    )
    from_status = models.CharField(
        _("previous status"), max_length=20, choices=ReferralStatus.choices, blank=True
    )
    to_status = models.CharField(_("new status"), max_length=20, choices=ReferralStatus.choices)

    class Meta(StatusChange.Meta):
        verbose_name = _("referral status change")
        verbose_name_plural = _("referral status changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(to_status__in=ReferralStatus.values)
                & (Q(from_status="") | Q(from_status__in=ReferralStatus.values)),
                name="coaching_referral_change_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(from_status=models.F("to_status")), name="coaching_referral_change_moves"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral}: {self.from_status or '—'} → {self.to_status}"
