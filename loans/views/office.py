"""The organization's side: approvals, disbursement, payments, arrears, guarantee calls, write-offs."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import CreateView, FormView, ListView, TemplateView, UpdateView

from loans import selectors, services
from loans.forms import (
    ApprovalForm,
    CallResolveForm,
    DisbursementForm,
    LoanProductForm,
    PaymentForm,
    ReasonForm,
)
from loans.models import GuaranteeCall, LoanProduct, LoanStatus, Payment
from loans.views.common import loan_for
from microcredit.core.permissions import Action, get_object_or_404_for, scope
from microcredit.core.views_mixins import CoordinatorRequiredMixin, StaffRequiredMixin, add_service_errors


class LoanFormView(FormView):
    """A form about one loan, then a service call; refusals are shown on the form, nothing typed is lost."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.loan = loan_for(request, kwargs["pk"], Action.CHANGE)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(loan=self.loan, **kwargs)

    def form_valid(self, form):
        try:
            message = self.perform(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect("loans:loan_detail", pk=self.loan.pk)


class ApprovalQueueView(CoordinatorRequiredMixin, TemplateView):
    template_name = "loans/approval_queue.html"

    def get_context_data(self, **kwargs):
        loans = selectors.loans_for(self.request.user).order_by("created_at")
        return super().get_context_data(
            to_decide=loans.filter(status=LoanStatus.CIRCLE_ACCEPTED),
            to_disburse=loans.filter(status=LoanStatus.APPROVED),
            **kwargs,
        )


class ApproveView(CoordinatorRequiredMixin, LoanFormView):
    template_name = "loans/loan_approve.html"
    form_class = ApprovalForm

    def get_initial(self):
        return {"decision": "approve", "amount": self.loan.amount, "term": self.loan.term}

    def perform(self, data):
        if data["decision"] == "refuse":
            services.loan_refuse(loan=self.loan, refused_by=self.request.user, reason=data["reason"])
            return _("The request is refused.")
        services.loan_approve(
            loan=self.loan,
            approved_by=self.request.user,
            amount=data["amount"],
            term=data["term"],
            note=data["reason"],
        )
        return _("The loan is approved.")


class DisburseView(CoordinatorRequiredMixin, LoanFormView):
    template_name = "loans/loan_disburse.html"
    form_class = DisbursementForm

    def get_initial(self):
        return {"disbursed_on": timezone.localdate()}

    def perform(self, data):
        services.loan_disburse(
            loan=self.loan,
            disbursed_by=self.request.user,
            disbursed_on=data["disbursed_on"],
            method=data["method"],
            reference=data["reference"],
            first_due=data["first_due"],
        )
        return _("The loan is disbursed and its schedule is set.")


class PaymentCreateView(StaffRequiredMixin, LoanFormView):
    template_name = "loans/payment_form.html"
    form_class = PaymentForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "payers": services.payments.allowed_payers(self.loan)}

    def get_initial(self):
        return {"paid_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(owed=services.amount_owed(self.loan), **kwargs)

    def perform(self, data):
        payment = services.payment_record(
            loan=self.loan,
            amount=data["amount"],
            paid_on=data["paid_on"],
            method=data["method"],
            reference=data["reference"],
            payer=data["payer"],
            recorded_by=self.request.user,
            submission_key=data["submission_key"],
        )
        return _("A payment of %(amount)s $ is recorded.") % {"amount": payment.amount}


class PaymentReverseView(StaffRequiredMixin, FormView):
    template_name = "loans/payment_reverse.html"
    form_class = ReasonForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            payment = Payment.objects.filter(pk=kwargs["pk"]).first()
            self.loan = loan_for(request, payment.loan_id if payment else 0, Action.CHANGE)
            self.payment = payment
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(loan=self.loan, payment=self.payment, **kwargs)

    def form_valid(self, form):
        try:
            services.payment_reverse(
                payment=self.payment, reversed_by=self.request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The payment is reversed; the other payments are allocated again."))
        return redirect("loans:loan_detail", pk=self.loan.pk)


class WriteOffView(CoordinatorRequiredMixin, LoanFormView):
    template_name = "loans/loan_write_off.html"
    form_class = ReasonForm

    def perform(self, data):
        services.loan_write_off(loan=self.loan, written_off_by=self.request.user, reason=data["reason"])
        return _("The loan is written off. Its history is kept.")


class ArrearsView(StaffRequiredMixin, TemplateView):
    template_name = "loans/arrears.html"

    def get_context_data(self, **kwargs):
        from microcredit.core.models import OrganizationSettings

        return super().get_context_data(
            loans=selectors.arrears(self.request.user),
            default_days=OrganizationSettings.load().loan_default_days,
            **kwargs,
        )


class GuaranteeCallListView(StaffRequiredMixin, ListView):
    template_name = "loans/guarantee_calls.html"
    context_object_name = "calls"

    def get_queryset(self):
        return (
            scope(self.request.user, GuaranteeCall.objects.all())
            .select_related("circle", "loan__borrower__user", "resolved_by")
            .order_by("resolved_at", "-opened_at")
        )


class GuaranteeCallResolveView(StaffRequiredMixin, FormView):
    template_name = "loans/guarantee_call_resolve.html"
    form_class = CallResolveForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.call = get_object_or_404_for(
                request.user,
                GuaranteeCall.objects.select_related("circle", "loan"),
                Action.CHANGE,
                pk=kwargs["pk"],
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(call=self.call, **kwargs)

    def form_valid(self, form):
        try:
            services.guarantee_call_resolve(
                call=self.call, resolved_by=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The guarantee call is resolved."))
        return redirect("loans:guarantee_calls")


class ProductListView(CoordinatorRequiredMixin, ListView):
    template_name = "loans/product_list.html"
    context_object_name = "products"
    queryset = LoanProduct.objects.order_by("-is_active", "name")


class ProductCreateView(CoordinatorRequiredMixin, CreateView):
    model = LoanProduct
    form_class = LoanProductForm
    template_name = "loans/product_form.html"
    success_url = reverse_lazy("loans:product_list")


class ProductUpdateView(CoordinatorRequiredMixin, UpdateView):
    model = LoanProduct
    form_class = LoanProductForm
    template_name = "loans/product_form.html"
    success_url = reverse_lazy("loans:product_list")
