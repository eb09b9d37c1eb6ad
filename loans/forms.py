import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from funds.models import FundSource
from loans.models import (
    CallOutcome,
    CircleOpinion,
    DisbursementMethod,
    Loan,
    LoanProduct,
    LoanStatus,
    PaymentMethod,
    RestructuringKind,
    Vote,
)
from loans.services.plan_files import ACCEPT, validate_plan_document
from loans.services.requests import PLAN_FIELDS, REQUEST_FIELDS, TEXT_MAX_LENGTHS
from microcredit.accounts.forms import DateInput, PersonChoiceField
from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core.bilingual import displayed
from microcredit.core.dates import DateFormField, DateKind
from microcredit.core.formatting import format_count, format_date
from microcredit.core.models import OrganizationSettings
from microcredit.core.money_fields import MoneyField
from microcredit.core.submissions import OneTimeKeyField
from microcredit.core.text_fields import LimitedTextField

DESCRIPTION_MAX_LENGTH = 1000  # a product's description, in each language


class CountedMaxLength(MaxLengthValidator):
    """Django's maximum length, its message writing the figures as the formatting module does ("4 000")."""

    def __call__(self, value):
        if len(value) > self.limit_value:
            raise ValidationError(
                _("At most %(max)s characters (%(count)s typed)."),
                code="max_length",
                params={"max": format_count(self.limit_value), "count": format_count(len(value))},
            )


class LoanRequestForm(forms.ModelForm):
    document = forms.FileField(
        label=_("Business plan document (optional)"),
        required=False,
        help_text=_("PDF or office document, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    class Meta:
        model = Loan
        fields = REQUEST_FIELDS  # what the service takes (``loans.services.requests``)
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("plan_summary", "plan_market", "plan_use_of_funds", "plan_projections")
        }

    def __init__(self, *args, borrower_choices=None, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = LoanProduct.objects.filter(is_active=True).order_by(
            displayed("name"), "pk"
        )
        self.fields["product"].empty_label = _("— choose —")
        self.fields["product"].widget.attrs["data-preview"] = "product"
        self.fields["amount"].widget.attrs["data-preview"] = "amount"
        self.fields["term"].widget.attrs["data-preview"] = "term"
        minimum = OrganizationSettings.load().loan_plan_min_chars
        for name, limit in TEXT_MAX_LENGTHS.items():
            field = self.fields[name]
            field.max_length = limit
            field.validators.append(CountedMaxLength(limit))
            # The counter (static/js/loan_request.js) writes the maximum as the formatting module does.
            field.widget.attrs.update(
                {"maxlength": limit, "data-counter": limit, "data-counter-max": format_count(limit)}
            )
            if name in PLAN_FIELDS:
                field.help_text = _(
                    "A draft may stay incomplete; to submit it, write at least %(min)s characters "
                    "(%(max)s at most)."
                ) % {"min": format_count(minimum), "max": format_count(limit)}
            else:
                field.help_text = _("At most %(max)s characters.") % {"max": format_count(limit)}
        if borrower_choices is not None:
            self.fields["borrower"] = PersonChoiceField(label=_("Borrower"), queryset=borrower_choices)
            self.order_fields(["borrower"])
        if staff:
            self.fields["cycle_exception_reason"] = forms.CharField(
                label=_("Exception to the loan cycle: justification"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=self.instance.cycle_exception_reason if self.instance.pk else "",
                help_text=_(
                    "Only for an amount or a number of instalments above the borrower's cycle maximum: "
                    "the approver sees it."
                ),
            )

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document:
            validate_plan_document(document)
        return document

    def request_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PreviewForm(forms.Form):
    """What the request form's preview reads (the amount as people type it): nothing is saved."""

    product = forms.ModelChoiceField(queryset=LoanProduct.objects.filter(is_active=True), required=False)
    amount = MoneyField(required=False)
    term = forms.IntegerField(min_value=1, max_value=600, required=False)


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
    fund = forms.ModelChoiceField(
        label=_("Charged to the fund"),
        queryset=FundSource.objects.filter(is_active=True).order_by("committed_on", "name"),
        required=False,
        empty_label=_("By the rule: the first fund that may finance it and has the capital"),
        help_text=_("Outside sources by date of commitment, the organization's own fund last."),
    )


class PayerChoiceMixin(forms.Form):
    """A form of money received: ``payer`` offers only ``payers`` (the borrower first, chosen by default)."""

    def __init__(self, *args, payers: list[EntrepreneurProfile], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = EntrepreneurProfile.objects.filter(
            pk__in=[p.pk for p in payers]
        ).select_related("user")
        self.fields["payer"].initial = payers[0].pk


class PaymentForm(PayerChoiceMixin, forms.Form):
    submission_key = OneTimeKeyField()
    paid_on = DateFormField(label=_("Date"), widget=DateInput(), kind=DateKind.PAST)
    amount = MoneyField(label=_("Amount ($)"), min_value=Decimal("0.01"))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    payer = PersonChoiceField(label=_("Paid by"), queryset=EntrepreneurProfile.objects.none())


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=250)


class CallResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[c for c in CallOutcome.choices if c[0] != CallOutcome.WRITTEN_OFF]
    )
    note = forms.CharField(label=_("What was agreed"), widget=forms.Textarea(attrs={"rows": 3}))


def _label(model, name: str):
    return capfirst(model._meta.get_field(name).verbose_name)


class LoanProductForm(forms.ModelForm):
    """Name and description in French (the name required) and in English (empty: the French is shown)."""

    description_fr = LimitedTextField(
        label=lazy(_label, str)(LoanProduct, "description_fr"), max_length=DESCRIPTION_MAX_LENGTH
    )
    description_en = LimitedTextField(
        label=lazy(_label, str)(LoanProduct, "description_en"), max_length=DESCRIPTION_MAX_LENGTH
    )

    class Meta:
        model = LoanProduct
        fields = (
            "name_fr",
            "name_en",
            "description_fr",
            "description_en",
            "min_amount",
            "max_amount",
            "annual_rate",
            "min_term",
            "max_term",
            "frequency",
            "grace_periods",
            "first_due_max_days",
            "due_dates_follow_meetings",
            "first_due_min_days",
            "holiday_interest_accrues",
            "settlement_waives_interest",
            "first_loan_max_amount",
            "first_loan_max_term",
            "second_loan_max_amount",
            "second_loan_max_term",
            "later_loan_max_amount",
            "later_loan_max_term",
            "good_standing_max_days_late",
            "is_active",
        )


class RestructuringForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of restructuring"), choices=RestructuringKind.choices, widget=forms.RadioSelect
    )
    holiday_periods = forms.IntegerField(
        label=_("Payment holiday: instalments deferred"), min_value=1, max_value=12, required=False
    )
    new_term = forms.IntegerField(
        label=_("Longer term: instalments left after the change"), min_value=1, max_value=240, required=False
    )
    new_instalment = MoneyField(label=_("Lower instalment: new amount ($)"), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What happened to the borrower, and why this change helps."),
    )

    def clean(self):
        data = super().clean()
        needed = {
            RestructuringKind.HOLIDAY: ("holiday_periods", _("Say how many instalments are deferred.")),
            RestructuringKind.LONGER_TERM: (
                "new_term",
                _("Say how many instalments are left after the change."),
            ),
            RestructuringKind.LOWER_INSTALMENT: ("new_instalment", _("Give the new instalment.")),
        }.get(data.get("kind"))
        if needed and data.get(needed[0]) in (None, "") and needed[0] not in self.errors:
            self.add_error(needed[0], needed[1])
        return data

    def terms(self) -> dict:
        data = self.cleaned_data
        names = {
            RestructuringKind.HOLIDAY: "holiday_periods",
            RestructuringKind.LONGER_TERM: "new_term",
            RestructuringKind.LOWER_INSTALMENT: "new_instalment",
        }
        name = names.get(data["kind"])
        return {name: data[name]} if name else {}


class RestructuringDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note or reason for a refusal"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    circle_meeting = forms.ModelChoiceField(
        label=_("Meeting where the circle was informed"),
        queryset=None,
        empty_label=_("— choose —"),
        required=False,
        # Only the meetings already held are offered (restructuring.informing_meetings).
        error_messages={
            "invalid_choice": _("Choose a meeting of the circle already held (today or before).")
        },
    )
    circle_opinion = forms.ChoiceField(
        label=_("The circle's decision"), choices=[("", "—"), *CircleOpinion.choices], required=False
    )

    def __init__(self, *args, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if meetings is None:
            del self.fields["circle_meeting"], self.fields["circle_opinion"]
        else:
            field = self.fields["circle_meeting"]
            field.queryset = meetings
            field.label_from_instance = lambda meeting: format_date(meeting.date)


class SettlementForm(PayerChoiceMixin, forms.Form):
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    paid_on = DateFormField(label=_("Date"), widget=DateInput(), kind=DateKind.PAST)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    payer = forms.ModelChoiceField(
        label=_("Paid by"), queryset=EntrepreneurProfile.objects.none(), empty_label=_("— choose —")
    )


class PayoffQuoteForm(forms.Form):
    on = DateFormField(label=_("Settlement on"), widget=DateInput(), kind=DateKind.ANY)
