import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.forms.widgets import DateInput
from microcredit.accounts.forms import PeopleChoiceField
from microcredit.accounts.models import EntrepreneurProfile, Role, User
from microcredit.core.dates import DateFormField, DateKind
from microcredit.core.permissions import scope


class AdvisorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


def active_advisors():
    return User.objects.filter(role=Role.ADVISOR, is_active=True).order_by("first_name", "last_name")


class CaseloadAdvisorForm(forms.Form):
    """Whose caseload to show (GET)."""

    advisor = AdvisorChoiceField(label=_("Advisor"), queryset=active_advisors(), required=False)


class ReassignForm(forms.Form):
    """Move some or all of an advisor's entrepreneurs (or unassigned ones) to another advisor."""

    profiles = PeopleChoiceField(
        label=_("Entrepreneurs to reassign"),
        queryset=EntrepreneurProfile.objects.none(),
        error_messages={"required": _("Choose at least one entrepreneur.")},
    )
    to_advisor = AdvisorChoiceField(label=_("New advisor"), queryset=active_advisors())
    reason = forms.CharField(
        label=_("Reason"), max_length=250, help_text=_("Kept in each entrepreneur's assignment history.")
    )

    def __init__(self, *args, viewer: User, from_advisor: User | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.from_advisor = from_advisor
        self.fields["profiles"].queryset = (
            scope(viewer, EntrepreneurProfile.objects.filter(advisor=from_advisor))
            .select_related("user")
            .order_by("user__last_name", "user__first_name")
        )
        if from_advisor is not None:
            self.fields["to_advisor"].queryset = active_advisors().exclude(pk=from_advisor.pk)


def _year_start() -> datetime.date:
    return timezone.localdate().replace(month=1, day=1)


class ImpactPeriodForm(forms.Form):
    start = DateFormField(label=_("From"), widget=DateInput(), required=False, kind=DateKind.PAST)
    end = DateFormField(label=_("To"), widget=DateInput(), required=False, kind=DateKind.PAST)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the period must come before its end."), code="period")
        return cleaned

    def period(self) -> tuple[datetime.date, datetime.date]:
        today = timezone.localdate()
        if not self.is_valid():
            return _year_start(), today
        start = self.cleaned_data.get("start") or _year_start()
        end = self.cleaned_data.get("end") or max(today, start)
        return min(start, end), end
