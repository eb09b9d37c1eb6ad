from django import forms

from microcredit.core.models import OrganizationSettings


class OrganizationSettingsForm(forms.ModelForm):
    class Meta:
        model = OrganizationSettings
        fields = (
            "name",
            "email",
            "phone",
            "address",
            "circle_guarantee_threshold",
            "circle_min_members",
            "circle_max_members",
            "reminder_days_before",
            "reminder_days_after",
            "coaching_no_contact_days",
            "circle_vote_quorum_percent",
            "circle_vote_approval_percent",
            "loan_default_days",
            "privacy_officer",
            "privacy_officer_name",
            "privacy_officer_title",
            "privacy_officer_contact",
            "access_includes_staff_notes",
            "staff_notes_exception",
            "file_access_log_days",
        )
