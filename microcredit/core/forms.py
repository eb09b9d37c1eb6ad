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
        )
