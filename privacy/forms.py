from django import forms

from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core.models import OrganizationSettings
from privacy.models import Incident, PolicyVersion, PrivacyRequest


class PrivacyRequestForm(forms.ModelForm):
    class Meta:
        model = PrivacyRequest
        fields = ("profile", "requester", "kind", "details", "received_on", "status", "answer", "answered_on")
        widgets = {"details": forms.Textarea(attrs={"rows": 3}), "answer": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].queryset = EntrepreneurProfile.objects.select_related("user")


class IncidentForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = (
            "discovered_on",
            "description",
            "information_concerned",
            "people_concerned",
            "risk",
            "risk_assessment",
            "measures",
            "commission_notified_on",
            "people_notified_on",
        )
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "description",
                "information_concerned",
                "people_concerned",
                "risk_assessment",
                "measures",
            )
        }


class PolicyVersionForm(forms.ModelForm):
    class Meta:
        model = PolicyVersion
        fields = ("effective_on", "text_fr", "text_en")
        widgets = {
            "text_fr": forms.Textarea(attrs={"rows": 12}),
            "text_en": forms.Textarea(attrs={"rows": 12}),
        }


class PrivacySettingsForm(forms.ModelForm):
    """The Law 25 part of the organization's settings (coordinators)."""

    class Meta:
        model = OrganizationSettings
        fields = (
            "privacy_officer",
            "privacy_officer_name",
            "privacy_officer_title",
            "privacy_officer_contact",
            "access_includes_staff_notes",
            "staff_notes_exception",
            "file_access_log_days",
            "retention_years_after_last_loan",
            "retention_years_without_loan",
            "retention_pass_enabled",
        )
        widgets = {"staff_notes_exception": forms.Textarea(attrs={"rows": 3})}
