"""Forms of the entrepreneur's coaching records. They validate and explain; the services write."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.forms.widgets import DateInput, text_area
from coaching.models import (
    CoachingSession,
    FinancingApplication,
    FinancingKind,
    FinancingStatus,
    Milestone,
    MilestoneKind,
    Partner,
    PartnerKind,
    Referral,
    ReferralStatus,
    Topic,
)
from coaching.models.choices import REFERRAL_CLOSED, REFERRAL_INITIAL
from microcredit.accounts.models import Role, User
from microcredit.core.dates import DateFormField, DateKind
from microcredit.core.money_fields import MoneyField


def staff_note_field() -> forms.CharField:
    """The note a record's form may add that only the organization's staff read."""
    return forms.CharField(
        label=_("Staff-only note"),
        required=False,
        widget=text_area(2),
        help_text=_("Seen by the organization's staff only."),
    )


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Partner) -> str:
        return f"{obj.name} · {obj.get_kind_display()}"


def active_partners():
    return Partner.objects.filter(is_active=True).order_by("kind", "name")


class SessionForm(forms.ModelForm):
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = CoachingSession
        fields = (
            "held_on",
            "duration_minutes",
            "mode",
            "advisor",
            "topics",
            "shared_summary",
            "next_steps",
            "next_follow_up_on",
            "staff_notes",
        )
        widgets = {
            "held_on": DateInput(),
            "next_follow_up_on": DateInput(),
            "shared_summary": text_area(4),
            "next_steps": text_area(3),
            "staff_notes": text_area(4),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(role__in=(Role.ADVISOR, Role.COORDINATOR), is_active=True)
        if self.instance.pk:
            staff = staff | User.objects.filter(pk=self.instance.advisor_id)
            self.initial.setdefault("topics", self.instance.topic_values)
        self.fields["advisor"].queryset = staff.distinct().order_by("first_name", "last_name")
        self.fields["duration_minutes"].widget.attrs.update({"min": 1, "max": 600, "step": 5})

    def clean(self):
        cleaned = super().clean()
        held_on, follow_up = cleaned.get("held_on"), cleaned.get("next_follow_up_on")
        if held_on and follow_up and follow_up < held_on:
            self.add_error("next_follow_up_on", _("The next follow-up cannot be before the session."))
        return cleaned

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ReferralForm(forms.ModelForm):
    partner = PartnerChoiceField(label=_("Partner"), queryset=active_partners())
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(value, label) for value, label in ReferralStatus.choices if value in REFERRAL_INITIAL],
        initial=ReferralStatus.PROPOSED,
    )
    note = staff_note_field()

    consent = forms.BooleanField(
        label=_(
            "The entrepreneur agrees that the organization shares the information named above with this "
            "partner, for this referral only (she can withdraw this consent at any time)."
        ),
        required=False,
        initial=False,
    )

    class Meta:
        model = Referral
        fields = ("partner", "reason", "referred_on", "shared_items", "consent", "status")
        widgets = {"referred_on": DateInput(), "reason": text_area(3), "shared_items": text_area(2)}
        help_texts = {"reason": _("The entrepreneur sees the reason, the status and the outcome.")}

    def service_data(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("partner", "reason", "referred_on", "status", "note", "shared_items", "consent")
        }


class ReferralStatusForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"))
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        widget=text_area(2),
        help_text=_("Needed to complete or decline the referral. The entrepreneur sees it."),
    )
    note = staff_note_field()

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.referral = referral
        labels = dict(ReferralStatus.choices)
        self.fields["to_status"].choices = [(value, labels[value]) for value in referral.next_statuses]
        self.initial.setdefault("outcome", referral.outcome)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("to_status") in REFERRAL_CLOSED and not cleaned.get("outcome", "").strip():
            self.add_error("outcome", _("Describe the outcome to complete or decline a referral."))
        return cleaned


class FinancingForm(forms.ModelForm):
    partner = PartnerChoiceField(
        label=_("Organization"),
        queryset=active_partners(),
        required=False,
        help_text=_("The financial institution or the organization running the program."),
    )

    class Meta:
        model = FinancingApplication
        fields = ("kind", "partner", "program", "amount_requested", "started_on")
        widgets = {"started_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["kind"].disabled = True
            if self.instance.partner_id:
                self.fields["partner"].queryset = active_partners() | Partner.objects.filter(
                    pk=self.instance.partner_id
                )

    def clean(self):
        cleaned = super().clean()
        kind, partner = cleaned.get("kind"), cleaned.get("partner")
        if kind == FinancingKind.INTRODUCTION and (
            partner is None or partner.kind != PartnerKind.FINANCIAL_INSTITUTION
        ):
            self.add_error(
                "partner", _("Choose the financial institution the entrepreneur is introduced to.")
            )
        if kind == FinancingKind.GRANT and cleaned.get("amount_requested") is None:
            self.add_error("amount_requested", _("Enter the amount requested in the grant application."))
        return cleaned

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class FinancingStatusForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"))
    on = DateFormField(
        kind=DateKind.PAST,
        label=_("Date"),
        widget=DateInput(),
        initial=timezone.localdate,
        help_text=_("The day it was submitted or decided."),
    )
    amount_obtained = MoneyField(
        label=_("Amount obtained (CAD)"),
        required=False,
        min_value=0,
        help_text=_("Only when it is approved."),
    )
    note = staff_note_field()

    def __init__(self, *args, application: FinancingApplication, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(FinancingStatus.choices)
        self.fields["to_status"].choices = [(value, labels[value]) for value in application.next_statuses]

    def clean(self):
        cleaned = super().clean()
        approved = cleaned.get("to_status") == FinancingStatus.APPROVED
        if approved and cleaned.get("amount_obtained") is None:
            self.add_error("amount_obtained", _("Enter the amount obtained."))
        if not approved and cleaned.get("amount_obtained") is not None:
            self.add_error("amount_obtained", _("Only an approved application has an amount obtained."))
        return cleaned


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ("kind", "achieved_on", "jobs_count", "revenue_band", "note")
        widgets = {"achieved_on": DateInput()}
        help_texts = {
            "jobs_count": _("Only for “Jobs created”."),
            "revenue_band": _("Only for “Annual revenue”."),
        }

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == MilestoneKind.JOBS_CREATED and not cleaned.get("jobs_count"):
            self.add_error("jobs_count", _("Enter how many jobs were created."))
        if kind == MilestoneKind.REVENUE_BAND and not cleaned.get("revenue_band"):
            self.add_error("revenue_band", _("Choose the revenue band."))
        if kind and kind != MilestoneKind.JOBS_CREATED:
            cleaned["jobs_count"] = None
        if kind and kind != MilestoneKind.REVENUE_BAND:
            cleaned["revenue_band"] = ""
        return cleaned

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
