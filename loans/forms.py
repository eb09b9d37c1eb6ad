from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from loans.models import (
    CallOutcome,
    DisbursementMethod,
    Loan,
    LoanProduct,
    LoanStatus,
    PaymentMethod,
    Vote,
)
from loans.services.documents import ACCEPT, validate_plan_document
from microcredit.accounts.forms import DateInput, PersonChoiceField
from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core.dates import DateFormField, DateKind
from microcredit.core.money_fields import MoneyField
from microcredit.core.submissions import OneTimeKeyField


class LoanRequestForm(forms.ModelForm):
    document = forms.FileField(
        label=_("Business plan document (optional)"),
        required=False,
        help_text=_("PDF or office document, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    class Meta:
        model = Loan
        fields = (
            "product",
            "amount",
            "term",
            "purpose",
            "plan_summary",
            "plan_market",
            "plan_use_of_funds",
            "plan_projections",
        )
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("plan_summary", "plan_market", "plan_use_of_funds", "plan_projections")
        }

    def __init__(self, *args, borrower_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = LoanProduct.objects.filter(is_active=True)
        if borrower_choices is not None:
            self.fields["borrower"] = PersonChoiceField(label=_("Borrower"), queryset=borrower_choices)
            self.order_fields(["borrower"])

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document:
            validate_plan_document(document)
        return document

    def request_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why (optional)"), max_length=250, required=False)


class MemberVoteForm(forms.Form):
    vote = forms.ChoiceField(label=_("Your vote"), choices=Vote.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CircleReviewForm(forms.Form):
    """The advisor records, during a meeting, each member's vote and the circle's decision."""

    outcome = forms.ChoiceField(
        label=_("The circle's decision"),
        required=False,
        choices=[
            ("", _("Record the votes only")),
            (LoanStatus.CIRCLE_ACCEPTED, _("Accepted")),
            (LoanStatus.RETURNED, _("Returned for changes")),
            (LoanStatus.CIRCLE_REFUSED, _("Refused")),
        ],
    )
    remarks = forms.CharField(
        label=_("The circle's remarks"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, voters: list[EntrepreneurProfile], votes: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.voters = voters
        for member in voters:
            existing = votes.get(member.pk)
            self.fields[f"vote_{member.pk}"] = forms.ChoiceField(
                label=member.choice_label,
                required=False,
                choices=[("", "—"), *Vote.choices],
                initial=existing.vote if existing else "",
            )
            self.fields[f"comment_{member.pk}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=500,
                initial=existing.comment if existing else "",
            )
        self.order_fields(
            [*[n for m in voters for n in (f"vote_{m.pk}", f"comment_{m.pk}")], "outcome", "remarks"]
        )

    def member_rows(self):
        return [(member, self[f"vote_{member.pk}"], self[f"comment_{member.pk}"]) for member in self.voters]


class ApprovalForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    amount = MoneyField(label=_("Approved amount"), required=False)
    term = forms.IntegerField(label=_("Number of instalments"), min_value=1, required=False)
    reason = forms.CharField(
        label=_("Note or reason for a refusal"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class DisbursementForm(forms.Form):
    disbursed_on = DateFormField(label=_("Disbursement date"), widget=DateInput(), kind=DateKind.DISBURSEMENT)
    method = forms.ChoiceField(label=_("Method"), choices=DisbursementMethod.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    first_due = DateFormField(
        label=_("First due date"),
        widget=DateInput(),
        required=False,
        help_text=_("Leave empty for one period after the disbursement."),
    )


class PaymentForm(forms.Form):
    submission_key = OneTimeKeyField()
    paid_on = DateFormField(label=_("Date"), widget=DateInput(), kind=DateKind.PAST)
    amount = MoneyField(label=_("Amount ($)"), min_value=Decimal("0.01"))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    payer = PersonChoiceField(label=_("Paid by"), queryset=EntrepreneurProfile.objects.none())

    def __init__(self, *args, payers: list[EntrepreneurProfile], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = EntrepreneurProfile.objects.filter(
            pk__in=[p.pk for p in payers]
        ).select_related("user")
        self.fields["payer"].initial = payers[0].pk


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=250)


class CallResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[c for c in CallOutcome.choices if c[0] != CallOutcome.WRITTEN_OFF]
    )
    note = forms.CharField(label=_("What was agreed"), widget=forms.Textarea(attrs={"rows": 3}))


class LoanProductForm(forms.ModelForm):
    class Meta:
        model = LoanProduct
        fields = (
            "name",
            "description",
            "min_amount",
            "max_amount",
            "annual_rate",
            "min_term",
            "max_term",
            "frequency",
            "grace_periods",
            "first_due_max_days",
            "is_active",
        )
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
