"""Loans through hard times: restructuring proposals and decisions, early settlement."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from loans import selectors
from loans.forms import RestructuringDecisionForm, RestructuringForm, SettlementForm
from loans.models import PaymentMethod, Restructuring, RestructuringStatus
from loans.services import restructuring as restructurings
from loans.services import settlement as settlements
from loans.views.common import LoanFormView, loan_for
from loans.views.office import ConfirmedLoanFormView, PayerFormMixin
from microcredit.accounts.models import Role
from microcredit.core.formatting import format_money
from microcredit.core.permissions import Action
from microcredit.core.views_mixins import StaffRequiredMixin, add_service_errors


def _current_lines(loan):
    return selectors.schedule_lines(loan)


class RestructuringProposeView(StaffRequiredMixin, LoanFormView):
    """The advisor's proposal: Preview shows the new schedule beside the current one and the cost; Propose
    records it for a coordinator's decision."""

    template_name = "loans/restructuring_form.html"
    form_class = RestructuringForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(current_lines=_current_lines(self.loan), **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        if self.request.POST.get("step") != "propose":
            try:
                proposal = restructurings.new_rows(
                    self.loan, kind=data["kind"], on=timezone.localdate(), **form.terms()
                )
            except ValidationError as error:
                add_service_errors(form, error)
                return self.form_invalid(form)
            return self.render_to_response(
                self.get_context_data(form=form, comparison=restructurings.comparison(self.loan, proposal))
            )
        try:
            restructuring = restructurings.restructuring_propose(
                loan=self.loan,
                proposed_by=self.request.user,
                kind=data["kind"],
                reason=data["reason"],
                **form.terms(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The restructuring is proposed; a coordinator decides on it."))
        return redirect("loans:restructuring_detail", pk=restructuring.pk)


class RestructuringDetailView(StaffRequiredMixin, LoanFormView):
    """The proposal (the schedules side by side, the cost) and, for a coordinator, the decision."""

    template_name = "loans/restructuring_detail.html"
    form_class = RestructuringDecisionForm

    def get_loan(self, request, **kwargs):
        restructuring = Restructuring.objects.filter(pk=kwargs["pk"]).values_list("loan_id", flat=True)
        loan = loan_for(request, restructuring.first() or 0, Action.VIEW)
        self.restructuring = Restructuring.objects.select_related(
            "proposed_by", "decided_by", "circle_meeting", "version"
        ).get(pk=kwargs["pk"], loan=loan)
        return loan

    def get_form_kwargs(self):
        meetings = None
        if restructurings.needs_circle(self.loan):
            meetings = restructurings.informing_meetings(self.loan)
        return {**super().get_form_kwargs(), "meetings": meetings}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(restructuring=self.restructuring, **kwargs)
        context["can_decide"] = (
            self.restructuring.status == RestructuringStatus.PROPOSED
            and self.request.user.role == Role.COORDINATOR
            and self.request.user.pk != self.restructuring.proposed_by_id
        )
        if self.restructuring.status == RestructuringStatus.PROPOSED:
            context["current_lines"] = _current_lines(self.loan)
            try:
                proposal = restructurings.proposal_rows(self.restructuring)
            except ValidationError as error:
                context["no_longer_holds"] = error.messages
            else:
                context["comparison"] = restructurings.comparison(self.loan, proposal)
        return context

    def post(self, request, *args, **kwargs):
        if request.user.role != Role.COORDINATOR:
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def perform(self, data):
        if data["decision"] == "refuse":
            restructurings.restructuring_refuse(
                restructuring=self.restructuring, refused_by=self.request.user, note=data["note"]
            )
            return _("The restructuring is refused.")
        restructurings.restructuring_approve(
            restructuring=self.restructuring,
            approved_by=self.request.user,
            note=data["note"],
            circle_meeting=data.get("circle_meeting"),
            circle_opinion=data.get("circle_opinion", ""),
        )
        return _("The restructuring is approved: the loan follows its new schedule.")


class SettlementView(StaffRequiredMixin, PayerFormMixin, ConfirmedLoanFormView):
    """Early settlement: the payoff amount on the date, shown back, then recorded; the loan closes."""

    template_name = "loans/settlement_form.html"
    confirm_template_name = "loans/settlement_confirm.html"
    form_class = SettlementForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "quote" not in context and self.loan.status in selectors.OPEN_STATUSES:
            context["quote"] = settlements.payoff_quote(self.loan)
        return context

    def check(self, data):
        quote = settlements.settlement_check(self.loan, data["paid_on"])
        return {"quote": quote, "method_label": PaymentMethod(data["method"]).label}

    def perform(self, data):
        settlement = settlements.loan_settle(**self.received(data))
        return _("The loan is settled with a payment of %(amount)s.") % {
            "amount": format_money(settlement.payment.amount)
        }


def restructuring_context(loan) -> dict:
    """What the loan page shows about restructurings, versions and early settlement (a few queries)."""
    from loans.services.schedules import versions

    context = {
        "restructurings": list(
            Restructuring.objects.filter(loan=loan).select_related("proposed_by", "decided_by")
        ),
        "versions": versions(loan),
    }
    context["open_restructuring"] = next(
        (r for r in context["restructurings"] if r.status == RestructuringStatus.PROPOSED), None
    )
    if loan.status in selectors.OPEN_STATUSES:
        from loans.documents import QUOTE_DAYS_AHEAD

        context["quote"] = settlements.payoff_quote(loan)
        context["quote_latest"] = context["quote"].on + datetime.timedelta(days=QUOTE_DAYS_AHEAD)
    return context
