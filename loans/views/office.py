"""The organization's side: approvals, disbursement, payments, arrears, guarantee calls, write-offs."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, ListView, TemplateView, UpdateView

from loans import selectors, services
from loans.forms import (
    ApprovalForm,
    CallResolveForm,
    DisbursementForm,
    LoanProductForm,
    PaymentForm,
    ReasonForm,
)
from loans.models import DisbursementMethod, GuaranteeCall, LoanProduct, LoanStatus, Payment, PaymentMethod
from loans.services.schedules import meeting_rhythm
from loans.views.common import LoanFormView, loan_for
from microcredit.accounts.models import Role
from microcredit.core.bilingual import displayed
from microcredit.core.formatting import format_money
from microcredit.core.models import OrganizationSettings
from microcredit.core.permissions import Action, get_object_or_404_for, scope
from microcredit.core.views_mixins import (
    CoordinatorRequiredMixin,
    RoleRequiredMixin,
    StaffRequiredMixin,
    add_service_errors,
)


def _plain(value) -> str:
    """A cleaned value as text, for the fingerprint of what a confirmation page shows."""
    if value is None:
        return ""
    if isinstance(value, Model):
        return str(value.pk)
    return str(value)


class ConfirmedLoanFormView(LoanFormView):
    """A form about one loan, then a page that shows back what is about to be recorded (Confirm, Change),
    then the service call. Nothing is written before Confirm.

    The form's fields travel through the confirmation page as hidden inputs, exactly as typed, so that Change
    shows the form again as it was. The page also carries a fingerprint of what it showed (``reviewed``):
    Confirm writes only when the data sent with it still reads the same (a tampered, missing or stale
    fingerprint, a language switched between the steps, shows the confirmation again, never a 500).
    """

    confirm_template_name: str

    def check(self, data) -> dict:
        """The service's rules, asked without writing; returns what the confirmation page shows."""
        raise NotImplementedError

    def fingerprint(self, data) -> str:
        text = "|".join(f"{name}={_plain(data[name])}" for name in sorted(data))
        salt = f"loans.confirm.{type(self).__name__}.{self.loan.pk}.{self.request.user.pk}"
        return salted_hmac(salt, text).hexdigest()

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        step = request.POST.get("step")
        if step == "change":
            return self.render_to_response(self.get_context_data(form=form))
        if not form.is_valid():
            return self.form_invalid(form)
        reviewed = self.fingerprint(form.cleaned_data)
        if step == "confirm" and constant_time_compare(request.POST.get("reviewed", ""), reviewed):
            # The service checks everything again, under the loan's lock (and a second Confirm of the same
            # payment form finds the payment already recorded).
            return self.form_valid(form)
        try:
            shown = self.check(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return TemplateResponse(
            request,
            self.confirm_template_name,
            self.get_context_data(
                form=form,
                data=form.cleaned_data,
                reviewed=reviewed,
                changed=step == "confirm",
                **shown,
            ),
        )


class ApproverRequiredMixin(RoleRequiredMixin):
    """Coordinators, and the second role the organization authorises to decide (its settings); anyone else
    is told the page does not exist. The roles listed here only let the request reach the view."""

    allowed_roles = (Role.COORDINATOR, Role.ADVISOR, Role.BOARD)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role not in services.approver_roles():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class ApprovalQueueView(ApproverRequiredMixin, TemplateView):
    """The requests accepted by their circle, each saying whether the viewer may decide on it or who it
    waits for; then (coordinators) the approved loans to disburse."""

    template_name = "loans/approval_queue.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        loans = selectors.loans_for(user).order_by("created_at")
        roles = services.approver_roles()
        approvers = services.possible_approvers(roles)
        to_decide = list(loans.filter(status=LoanStatus.CIRCLE_ACCEPTED))
        for loan in to_decide:
            loan.blocker = services.decision_blocker(loan, user, roles)
            loan.nobody_else = not (services.others_who_may_decide(loan, approvers) - {user.pk})
        return super().get_context_data(
            to_decide=to_decide,
            to_disburse=loans.filter(status=LoanStatus.APPROVED) if user.is_coordinator else None,
            second_role=_second_role(),
            **kwargs,
        )


def _second_role() -> str:
    settings = OrganizationSettings.load()
    if not settings.loan_second_approver_role:
        return ""
    return settings.get_loan_second_approver_role_display().lower()


class ApproveView(ApproverRequiredMixin, LoanFormView):
    """The organization's decision. Only someone who may decide reaches the form: anyone else (four eyes) is
    sent back to the loan with the reason, before typing anything."""

    template_name = "loans/loan_approve.html"
    form_class = ApprovalForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role in services.approver_roles():
            loan = loan_for(request, kwargs["pk"], Action.CHANGE)
            if not services.can_decide(loan, request.user):
                messages.error(
                    request,
                    services.decision_blocker(loan, request.user)
                    or _("This request does not await the organization's decision."),
                )
                if request.user.is_staff_member:
                    return redirect("loans:loan_detail", pk=loan.pk)
                return redirect("loans:approval_queue")
        return super().dispatch(request, *args, **kwargs)

    def success_redirect(self):
        # A board member authorised to decide does not read loan pages: back to the queue.
        if self.request.user.is_staff_member:
            return super().success_redirect()
        return redirect("loans:approval_queue")

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


class DisburseView(CoordinatorRequiredMixin, ConfirmedLoanFormView):
    template_name = "loans/loan_disburse.html"
    confirm_template_name = "loans/loan_disburse_confirm.html"
    form_class = DisbursementForm

    def get_initial(self):
        return {"disbursed_on": timezone.localdate()}

    def check(self, data):
        first_due = services.disbursement_check(
            loan=self.loan, disbursed_on=data["disbursed_on"], first_due=data["first_due"]
        )
        fund = services.disbursement_fund(loan=self.loan, fund=data["fund"], on=data["disbursed_on"])
        return {
            "amount": self.loan.final_amount,
            "first_due": first_due,
            "rhythm": meeting_rhythm(self.loan, data["disbursed_on"]),
            "fund": fund,
            "method_label": DisbursementMethod(data["method"]).label,
        }

    def perform(self, data):
        services.loan_disburse(
            loan=self.loan,
            disbursed_by=self.request.user,
            disbursed_on=data["disbursed_on"],
            method=data["method"],
            reference=data["reference"],
            first_due=data["first_due"],
            fund=data["fund"],
        )
        return _("The loan is disbursed and its schedule is set.")


class PayerFormMixin:
    """A form of money received on a loan (a payment, a settlement): who may pay, paid today by default."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "payers": selectors.allowed_payers(self.loan)}

    def get_initial(self):
        return {"paid_on": timezone.localdate()}

    def received(self, data) -> dict:
        """What the services recording money received take from the form, and who records it."""
        return {
            "loan": self.loan,
            "paid_on": data["paid_on"],
            "method": data["method"],
            "reference": data["reference"],
            "payer": data["payer"],
            "recorded_by": self.request.user,
            "submission_key": data["submission_key"],
        }


class PaymentCreateView(StaffRequiredMixin, PayerFormMixin, ConfirmedLoanFormView):
    template_name = "loans/payment_form.html"
    confirm_template_name = "loans/payment_confirm.html"
    form_class = PaymentForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(owed=selectors.amount_owed(self.loan), **kwargs)

    def check(self, data):
        amount = services.payment_check(
            loan=self.loan,
            amount=data["amount"],
            paid_on=data["paid_on"],
            method=data["method"],
            payer=data["payer"],
        )
        return {
            "amount": amount,
            "owed_after": selectors.amount_owed(self.loan) - amount,
            "method_label": PaymentMethod(data["method"]).label,
        }

    def perform(self, data):
        payment = services.payment_record(amount=data["amount"], **self.received(data))
        return _("A payment of %(amount)s is recorded.") % {"amount": format_money(payment.amount)}


class PaymentReverseView(StaffRequiredMixin, LoanFormView):
    template_name = "loans/payment_reverse.html"
    form_class = ReasonForm

    def get_loan(self, request, **kwargs):
        self.payment = Payment.objects.filter(pk=kwargs["pk"]).first()
        return loan_for(request, self.payment.loan_id if self.payment else 0, Action.CHANGE)

    def get_context_data(self, **kwargs):
        return super().get_context_data(payment=self.payment, **kwargs)

    def perform(self, data):
        services.payment_reverse(payment=self.payment, reversed_by=self.request.user, reason=data["reason"])
        return _("The payment is reversed; the other payments are allocated again.")


class WriteOffView(CoordinatorRequiredMixin, LoanFormView):
    template_name = "loans/loan_write_off.html"
    form_class = ReasonForm

    def perform(self, data):
        services.loan_write_off(loan=self.loan, written_off_by=self.request.user, reason=data["reason"])
        return _("The loan is written off. Its history is kept.")


class _CountedPaginator(Paginator):
    """A paginator told its count (read from the counters) instead of running ``COUNT(*)`` over the rows."""

    def __init__(self, object_list, per_page, *, known_count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = known_count

    @cached_property
    def count(self) -> int:
        return self.known_count()


class ArrearsView(StaffRequiredMixin, ListView):
    """The late loans, the longest late first, 50 a page: the page's rows read along the positions' index
    (``LIMIT 50`` stops early), the number of pages from the arrears counters (``arrears_count``, equal to
    the list's count): neither grows with the portfolio."""

    template_name = "loans/arrears.html"
    paginate_by = 50

    def get_queryset(self):
        self.mine = self.request.user.is_advisor and bool(self.request.GET.get("mine"))
        return selectors.arrears(self.request.user, mine=self.mine)

    def get_paginator(self, queryset, per_page, **kwargs):
        def known_count():
            return selectors.arrears_count(self.request.user, mine=self.mine)

        return _CountedPaginator(queryset, per_page, known_count=known_count, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mine"] = self.mine
        context["loans"] = selectors.with_days_late(context["object_list"])
        context["default_days"] = OrganizationSettings.load().loan_default_days
        return context


class GuaranteeCallListView(StaffRequiredMixin, ListView):
    template_name = "loans/guarantee_calls.html"
    context_object_name = "calls"

    def get_queryset(self):
        return (
            scope(self.request.user, GuaranteeCall.objects.all())
            .select_related("circle", "loan__borrower__user", "resolved_by")
            .order_by("resolved_at", "-opened_at")
        )


class GuaranteeCallResolveView(StaffRequiredMixin, LoanFormView):
    template_name = "loans/guarantee_call_resolve.html"
    form_class = CallResolveForm

    def get_loan(self, request, **kwargs):
        self.call = get_object_or_404_for(
            request.user,
            GuaranteeCall.objects.select_related("circle", "loan"),
            Action.CHANGE,
            pk=kwargs["pk"],
        )
        return self.call.loan

    def get_context_data(self, **kwargs):
        return super().get_context_data(call=self.call, **kwargs)

    def perform(self, data):
        services.guarantee_call_resolve(call=self.call, resolved_by=self.request.user, **data)
        return _("The guarantee call is resolved.")

    def success_redirect(self):
        return redirect("loans:guarantee_calls")


class ProductListView(CoordinatorRequiredMixin, ListView):
    template_name = "loans/product_list.html"
    context_object_name = "products"

    def get_queryset(self):
        return LoanProduct.objects.order_by("-is_active", displayed("name"), "pk")


class ProductFormMixin(CoordinatorRequiredMixin):
    """The loan product's form (new or changed): back to the products, saying which one was saved."""

    model = LoanProduct
    form_class = LoanProductForm
    template_name = "loans/product_form.html"
    success_url = reverse_lazy("loans:product_list")
    saved: str  # the message, with ``%(name)s``

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, self.saved % {"name": self.object.name})
        return response


class ProductCreateView(ProductFormMixin, CreateView):
    saved = gettext_lazy("The loan product %(name)s is created.")


class ProductUpdateView(ProductFormMixin, UpdateView):
    saved = gettext_lazy("The loan product %(name)s is saved.")
