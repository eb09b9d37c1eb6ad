from django import forms

from microcredit.core.models import OrganizationSettings
from microcredit.core.percent_fields import WholePercentField


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
            "restructuring_needs_circle",
            "loan_plan_min_chars",
            "loan_open_requests_max",
            "loan_second_approver_role",
        )
        # Whole percentages, typed as text like every rate ("50", "50 %"), never a browser's number box.
        field_classes = {
            "circle_vote_quorum_percent": WholePercentField,
            "circle_vote_approval_percent": WholePercentField,
        }
