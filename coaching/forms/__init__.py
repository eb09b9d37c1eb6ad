from coaching.forms.caseload import CaseloadAdvisorForm, ImpactPeriodForm, ReassignForm
from coaching.forms.partners import PartnerContactFormSet, PartnerForm
from coaching.forms.records import (
    FinancingForm,
    FinancingStatusForm,
    MilestoneForm,
    ReferralForm,
    ReferralStatusForm,
    SessionForm,
)

__all__ = [
    "CaseloadAdvisorForm",
    "FinancingForm",
    "FinancingStatusForm",
    "ImpactPeriodForm",
    "MilestoneForm",
    "PartnerContactFormSet",
    "PartnerForm",
    "ReassignForm",
    "ReferralForm",
    "ReferralStatusForm",
    "SessionForm",
]
