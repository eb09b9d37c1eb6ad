from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import FormView

from loans.models import Loan
from microcredit.core.permissions import Action, get_object_or_404_for
from microcredit.core.views_mixins import add_service_errors, report_outcome


def loan_for(request, pk, action=Action.VIEW) -> Loan:
    return get_object_or_404_for(
        request.user,
        Loan.objects.select_related("borrower__user", "product", "circle__advisor"),
        action,
        pk=pk,
    )


def run_action(request, loan: Loan, call, success: str):
    """Call a service for a button on the loan page; show its refusal as a message."""
    report_outcome(request, call, success)
    return redirect("loans:loan_detail", pk=loan.pk)


class LoanFormView(FormView):
    """A form about one loan (or about a record of it: ``get_loan`` finds the loan, checks the viewer may
    ``loan_action`` it, and keeps the record), then a service call: ``perform`` returns the message shown
    after it. A refusal is shown on the form and nothing typed is lost."""

    loan_action = Action.CHANGE

    def get_loan(self, request, **kwargs) -> Loan:
        return loan_for(request, kwargs["pk"], self.loan_action)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.loan = self.get_loan(request, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(loan=self.loan, **kwargs)

    def perform(self, data) -> str:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            message = self.perform(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return self.success_redirect()

    def success_redirect(self):
        return redirect("loans:loan_detail", pk=self.loan.pk)
