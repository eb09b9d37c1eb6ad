"""Repayments collected at a circle meeting, on the meeting's record screen (issue #17, 4).

Registered into ``circles`` from ``LoansConfig.ready()`` (``circles.meeting_extensions``: ``circles`` sits
below ``loans`` and never imports it). For each member's open loan (disbursed, not closed, disbursed by the
meeting's date) the screen shows what is due at the meeting's date (overdue, plus due that day:
``loans.selectors.due_at_meeting``) and asks the amount paid (the money field: "21,50"), the method and a
reference. Each amount is checked by the payment service's rules when the screen is sent
(``payment_check``), the amounts are shown back for confirmation, and on Confirm every payment is recorded
by ``payment_record`` (the loan's row lock, the usual allocation, one one-time key per row) **inside the
meeting's transaction**: one refused payment refuses the whole record, with its error next to the
member's amount and everything typed kept.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loans import selectors
from loans.models import Loan, Payment, PaymentMethod
from loans.services.payments import payment_check, payment_record
from microcredit.core.formatting import format_money
from microcredit.core.money import ZERO
from microcredit.core.money_fields import MoneyField
from microcredit.core.permissions import Action, scope
from microcredit.core.submissions import OneTimeKeyField

# The service's fields a refusal may name, all shown at the member's amount (the date is the meeting's,
# the payer the borrower).
PAYMENT_FIELDS = ("amount", "paid_on", "payer", "method")


class CollectionForm(forms.Form):
    """One open loan of one member: what was paid at the meeting (empty: nothing)."""

    loan_id = forms.IntegerField(widget=forms.HiddenInput)
    submission_key = OneTimeKeyField()
    amount = MoneyField(label=gettext_lazy("Amount paid ($)"), required=False, min_value=Decimal("0.01"))
    method = forms.ChoiceField(
        label=gettext_lazy("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.CASH
    )
    reference = forms.CharField(label=gettext_lazy("Reference"), max_length=100, required=False)

    def __init__(self, *args, loans=None, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.loans, self.meeting = loans or {}, meeting
        # Rendered in a table row, the column saying what each field is (``loans/_meeting_collection.html``).
        for name in ("amount", "reference"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["method"].widget.attrs["class"] = "form-select payment-method"  # static/css/app.css

    def full_clean(self):
        super().full_clean()
        mark_invalid(self)

    def clean(self):
        data = super().clean()
        loan = self.loans.get(data.get("loan_id"))
        if loan is None or not data.get("amount") or "method" not in data:
            return data
        if Payment.objects.filter(submission_key=data.get("submission_key")).exists():
            # Already recorded by this very form (sent twice): the save finds it and records nothing more.
            return data
        try:
            data["amount"] = payment_check(
                loan=loan, amount=data["amount"], paid_on=self.meeting.date, method=data["method"]
            )
        except ValidationError as error:
            place_refusal(self, error)
        return data


def mark_invalid(form: forms.Form) -> None:
    """The fields in error drawn as such (their box in red), as crispy does on the other screens."""
    for name in form.errors:
        if name in form.fields and not form.fields[name].widget.is_hidden:
            attrs = form.fields[name].widget.attrs
            if "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


def place_refusal(form: forms.Form, error: ValidationError) -> None:
    """The payment service's refusal, next to the member's amount."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in ("method", "reference") else "amount", errors)
    else:
        form.add_error("amount", error)
    mark_invalid(form)


class BaseCollectionFormSet(forms.BaseFormSet):
    """One row per open loan, each once: the rows sent must be exactly the loans the screen showed."""

    def __init__(self, *args, loans=None, meeting=None, **kwargs):
        self.loans, self.meeting = loans or {}, meeting
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "loans": self.loans, "meeting": self.meeting}

    def clean(self):
        if any(self.errors):
            return
        sent = [form.cleaned_data.get("loan_id") for form in self.forms]
        if len(sent) != len(set(sent)) or set(sent) != set(self.loans):
            raise forms.ValidationError(
                _("The loans to collect have changed since the page was opened: reload it and record again."),
                code="loans_changed",
            )


CollectionFormSet = forms.formset_factory(CollectionForm, formset=BaseCollectionFormSet, extra=0)


class CollectionPart:
    """The record screen's part: its formset, what to confirm, and the save inside the meeting's
    transaction (``circles.meeting_extensions``)."""

    name = "collection"
    template_name = "loans/_meeting_collection.html"

    def __init__(self, *, meeting, loans: list, collected: list, data):
        self.meeting = meeting
        by_id = {loan.pk: loan for loan in loans}
        initial = [{"loan_id": loan.pk} for loan in loans]
        self.formset = CollectionFormSet(
            data, initial=initial, prefix=self.name, loans=by_id, meeting=meeting
        )
        before: dict[int, Decimal] = {}
        for payment in collected:
            if not hasattr(payment, "reversal"):
                before[payment.loan_id] = before.get(payment.loan_id, ZERO) + payment.amount
        # Each row with the loan it was sent for (a sent list out of order or of another length is refused
        # by the formset's own check, shown above the rows; a row for no known loan shows no line).
        self.rows = []
        for index, form in enumerate(self.formset.forms):
            sent = str(form["loan_id"].value() or "")
            loan = by_id.get(int(sent)) if sent.isdigit() else None
            if loan is None and data is None and index < len(loans):
                loan = loans[index]
            if loan is not None:
                self.rows.append({"form": form, "loan": loan, "collected_before": before.get(loan.pk)})
        self.total_due = sum((loan.due.total for loan in loans), ZERO)

    def _typed(self):
        for form in self.formset.forms:
            data = getattr(form, "cleaned_data", {})
            if data.get("amount"):
                yield form, data

    def confirmation(self) -> list[str]:
        lines = [
            _("%(amount)s from %(member)s for loan #%(number)s (%(method)s)")
            % {
                "amount": format_money(data["amount"]),
                "member": form.loans[data["loan_id"]].borrower.user.get_full_name(),
                "number": data["loan_id"],
                "method": str(PaymentMethod(data["method"]).label).lower(),
            }
            for form, data in self._typed()
        ]
        if lines:
            total = sum((data["amount"] for _form, data in self._typed()), ZERO)
            lines.append(_("In all: %(total)s") % {"total": format_money(total)})
        return lines

    def fingerprint(self) -> str:
        return "|".join(
            f"{data['loan_id']}={data['amount']}/{data['method']}/{data['reference']}/{data['submission_key']}"
            for _form, data in self._typed()
        )

    def save(self, *, meeting, user) -> None:
        refused = False
        for form, data in list(self._typed()):
            try:
                payment_record(
                    loan=form.loans[data["loan_id"]],
                    amount=data["amount"],
                    paid_on=meeting.date,
                    method=data["method"],
                    reference=data["reference"],
                    recorded_by=user,
                    submission_key=data["submission_key"],
                    meeting=meeting,
                )
            except ValidationError as error:
                # Each payment is its own savepoint: the others are still tried, so that every refusal is
                # shown at once; then the whole record is refused (the meeting's transaction rolls back).
                place_refusal(form, error)
                refused = True
        if refused:
            raise ValidationError(
                _(
                    "A payment was refused: nothing is recorded, neither the meeting nor any payment. "
                    "Correct the amounts marked below and save again."
                ),
                code="collection_refused",
            )


def sent_loan_ids(data) -> set[int]:
    """The loans a sent record screen had rows for (whole numbers only; the formset checks the rest)."""
    if data is None:
        return set()
    values = (data.get(f"collection-{index}-loan_id", "") for index in range(1000))
    found = set()
    for value in values:
        if not value:
            break
        if str(value).isdigit():
            found.add(int(value))
    return found


class MeetingCollection:
    """The extension registered into ``circles.meeting_extensions``."""

    def record_part(self, *, meeting, members, user, data):
        collected = selectors.collected_at_meetings([meeting.pk])
        # Besides the open loans: those paid at this meeting (closed since), and those the screen was sent
        # with (closed or written off since it was opened: the payment rules then refuse the amount at the
        # member's field, rather than the whole list being out of date).
        also = {payment.loan_id for payment in collected} | sent_loan_ids(data)
        loans = selectors.collection_loans(
            scope(user, Loan.objects.all(), Action.CHANGE),
            [m.profile_id for m in members],
            meeting.date,
            also=also,
        )
        if not loans:
            return None
        return CollectionPart(meeting=meeting, loans=loans, collected=collected, data=data)

    def detail(self, *, meeting, user):
        # A member never sees a peer's payments: what was collected is for staff.
        if not user.is_staff_member:
            return None
        payments = selectors.collected_at_meetings([meeting.pk])
        if payments:
            loans = scope(user, Loan.objects.filter(pk__in={p.loan_id for p in payments}))
            visible = set(loans.values_list("pk", flat=True))
            payments = [p for p in payments if p.loan_id in visible]
        if not payments:
            return None
        members: dict[int, dict] = {}
        for payment in payments:
            row = members.setdefault(
                payment.loan.borrower_id, {"member": payment.loan.borrower, "payments": [], "total": ZERO}
            )
            row["payments"].append(payment)
            if not hasattr(payment, "reversal"):
                row["total"] += payment.amount
        return {
            "template_name": "loans/_meeting_collected.html",
            "collected_members": list(members.values()),
            "collected_total": sum((row["total"] for row in members.values()), ZERO),
        }


COLLECTION = MeetingCollection()
