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
        )
