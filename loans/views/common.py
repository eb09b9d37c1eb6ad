from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from loans.models import Loan
from microcredit.core.permissions import Action, get_object_or_404_for
from microcredit.core.views_mixins import messages_from


def loan_for(request, pk, action=Action.VIEW) -> Loan:
    return get_object_or_404_for(
        request.user,
        Loan.objects.select_related("borrower__user", "product", "circle__advisor"),
        action,
        pk=pk,
    )


def run_action(request, loan: Loan, call, success: str):
    """Call a service for a button on the loan page; show its refusal as a message."""
    try:
        call()
    except ValidationError as error:
        for message in messages_from(error):
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("loans:loan_detail", pk=loan.pk)
