"""Loan requests: the borrower's side and the circle's review."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from loans import selectors, services
from loans.forms import CircleReviewForm, LoanRequestForm, MemberVoteForm, PreviewForm, WithdrawForm
from loans.models import LoanProduct, LoanStatus
from loans.selectors import arrears_state
from loans.views.common import LoanFormView, loan_for, run_action
from microcredit.accounts.models import Role
from microcredit.accounts.selectors import entrepreneurs_for, own_profile_or_404
from microcredit.core.bilingual import displayed
from microcredit.core.formatting import format_money, format_ordinal
from microcredit.core.permissions import Action
from microcredit.core.submissions import CreateOnceViewMixin
from microcredit.core.views_mixins import (
    RoleRequiredMixin,
    ServiceFormMixin,
    StaffRequiredMixin,
    add_service_errors,
)

WORKING_ROLES = (Role.COORDINATOR, Role.ADVISOR, Role.ENTREPRENEUR)


class LoanListView(RoleRequiredMixin, ListView):
    """Entrepreneurs: my loans. Staff: the loan files, filtered by status."""

    allowed_roles = WORKING_ROLES
    template_name = "loans/loan_list.html"
    context_object_name = "loans"
    paginate_by = 30

    def get_queryset(self):
        loans = selectors.loans_for(self.request.user).order_by("-created_at", "-pk")
        if self.request.user.role == Role.ENTREPRENEUR:
            return loans.filter(borrower__user=self.request.user)
        status = self.request.GET.get("status")
        if status in LoanStatus.values:
            loans = loans.filter(status=status)
        if self.request.GET.get("mine") and self.request.user.role == Role.ADVISOR:
            loans = loans.filter(circle__advisor=self.request.user)
        return loans

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["statuses"] = LoanStatus.choices
        context["to_review"] = []
        if self.request.user.role == Role.ENTREPRENEUR:
            context["to_review"] = list(
                selectors.loans_for(self.request.user)
                .filter(status=LoanStatus.SUBMITTED)
                .exclude(borrower__user=self.request.user)
            )
        return context


def _cycles(borrower, viewer) -> list[str]:
    """For each product offered, the borrower's loan cycle and its maximum, as the form's sentence: to the
    borrower herself in the second person ("votre 1er prêt"), to staff with her name ("1er prêt de Marie")."""
    if borrower is None:
        return []
    from loans.models import LoanProduct
    from loans.services.cycles import borrower_cycle

    own = viewer.pk == borrower.user_id
    lines = []
    for product in LoanProduct.objects.filter(is_active=True).order_by(displayed("name"), "pk"):
        cycle = borrower_cycle(borrower, product)
        values = {
            "product": product.name,
            "name": borrower.user.get_full_name(),
            "number": format_ordinal(cycle.number),
            "good": cycle.repaid_in_good_standing,
            "max": format_money(cycle.max_amount),
            "term": cycle.max_term,
        }
        if cycle.repaid_in_good_standing and own:
            line = ngettext(
                "%(product)s: your %(number)s loan (%(good)s loan repaid in good standing), at most %(max)s "
                "in %(term)s instalments.",
                "%(product)s: your %(number)s loan (%(good)s loans repaid in good standing), at most %(max)s "
                "in %(term)s instalments.",
                cycle.repaid_in_good_standing,
            )
        elif cycle.repaid_in_good_standing:
            line = ngettext(
                "%(product)s: %(name)s's %(number)s loan (%(good)s loan repaid in good standing), at most "
                "%(max)s in %(term)s instalments.",
                "%(product)s: %(name)s's %(number)s loan (%(good)s loans repaid in good standing), at most "
                "%(max)s in %(term)s instalments.",
                cycle.repaid_in_good_standing,
            )
        elif own:
            line = _(
                "%(product)s: your %(number)s loan (none repaid in good standing yet), at most %(max)s in "
                "%(term)s instalments."
            )
        else:
            line = _(
                "%(product)s: %(name)s's %(number)s loan (none repaid in good standing yet), at most %(max)s "
                "in %(term)s instalments."
            )
        lines.append(line % values)
    return lines


class GuaranteedLoanListView(RoleRequiredMixin, TemplateView):
    """ "Loans I stand behind": what a guarantor needs of each loan she guarantees (status, amount, what is
    overdue and since when, the next instalment, an open guarantee call); never the borrower's payments or
    documents (``GuaranteedLoan``'s policy; the loan's own page stays closed to her)."""

    allowed_roles = (Role.ENTREPRENEUR,)
    template_name = "loans/guaranteed_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(loans=selectors.guaranteed_loans(self.request.user), **kwargs)


def request_preview(data) -> dict:
    """The request form's preview of what was typed (product, amount, term): the product's limits, the
    guarantee regime of the amount and the schedule, or why there is none yet. Saves nothing."""
    form = PreviewForm(data)
    form.is_valid()
    values = getattr(form, "cleaned_data", {})
    product, amount, term = values.get("product"), values.get("amount"), values.get("term")
    context = {
        "preview_product": product,
        "preview_amount": amount,
        "preview_rows": None,
        "preview_error": "",
    }
    if amount:
        context["preview_regime"] = selectors.guarantee_type_for(amount)
    if product and amount and term:
        try:
            services.check_terms(product=product, amount=amount, term=term)
        except ValidationError as error:
            context["preview_error"] = " ".join(error.messages)
        else:
            context["preview_rows"] = selectors.terms_preview(product=product, amount=amount, term=term)
    return context


class RequestPreviewView(RoleRequiredMixin, TemplateView):
    """The preview fragment the request form's script asks for as the amount changes (GET, saves nothing)."""

    allowed_roles = WORKING_ROLES
    template_name = "loans/_request_preview.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**request_preview(self.request.GET), **kwargs)


class RequestFormMixin:
    """The request form: the products' limits beside it, and its preview. "Preview the schedule" (a button
    of the form, for browsers without the script) shows the form again with the preview, saving nothing."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["products"] = LoanProduct.objects.filter(is_active=True).order_by(displayed("name"), "pk")
        form = context.get("form")
        data = form.data if form is not None and form.is_bound else (form.initial if form else {})
        if form is not None and not form.is_bound and getattr(form.instance, "pk", None):
            loan = form.instance
            data = {"product": loan.product_id, "amount": loan.amount, "term": loan.term}
        context.update(request_preview(data))
        return context

    def post(self, request, *args, **kwargs):
        if "preview" in request.POST:
            return self.render_to_response(self.get_context_data(form=self.get_form()))
        return super().post(request, *args, **kwargs)


class LoanRequestCreateView(RequestFormMixin, RoleRequiredMixin, CreateOnceViewMixin, FormView):
    allowed_roles = WORKING_ROLES
    template_name = "loans/loan_form.html"
    form_class = LoanRequestForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.user.is_staff_member:
            kwargs["staff"] = True
            kwargs["borrower_choices"] = entrepreneurs_for(self.request.user).order_by(
                "user__last_name", "user__first_name"
            )
        return kwargs

    def get_initial(self):
        borrower = self.request.GET.get("borrower")
        return {"borrower": borrower} if borrower and borrower.isdigit() else {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        borrower = None
        if self.request.user.is_staff_member:
            chosen = self.request.POST.get("borrower") or self.request.GET.get("borrower")
            if chosen and str(chosen).isdigit():
                borrower = (
                    entrepreneurs_for(self.request.user).filter(pk=chosen).select_related("user").first()
                )
        else:
            borrower = own_profile_or_404(self.request.user)
            context["open_requests"] = selectors.at_open_requests_cap(borrower)
        context["cycles"] = _cycles(borrower, self.request.user)
        return context

    def create(self, form):
        return services.loan_request_create(
            borrower=form.cleaned_data.get("borrower") or own_profile_or_404(self.request.user),
            prepared_by=self.request.user,
            document=form.cleaned_data.get("document"),
            cycle_exception_reason=form.cleaned_data.get("cycle_exception_reason", ""),
            **form.request_data(),
        )

    def created_message(self, loan):
        return _("The request is saved as a draft. Check the schedule, then submit it.")

    def created_redirect(self, loan):
        return redirect("loans:loan_detail", pk=loan.pk)


class LoanRequestUpdateView(RequestFormMixin, RoleRequiredMixin, ServiceFormMixin, FormView):
    allowed_roles = WORKING_ROLES
    template_name = "loans/loan_form.html"
    form_class = LoanRequestForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.loan = loan_for(request, kwargs["pk"], Action.CHANGE)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.loan,
            "staff": self.request.user.is_staff_member,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            loan=self.loan, cycles=_cycles(self.loan.borrower, self.request.user), **kwargs
        )

    def perform(self, form):
        services.loan_request_update(
            loan=self.loan,
            changed_by=self.request.user,
            document=form.cleaned_data.get("document"),
            cycle_exception_reason=form.cleaned_data.get("cycle_exception_reason"),
            **form.request_data(),
        )
        messages.success(self.request, _("The request is saved."))
        return redirect("loans:loan_detail", pk=self.loan.pk)


class LoanDetailView(RoleRequiredMixin, TemplateView):
    allowed_roles = WORKING_ROLES
    template_name = "loans/loan_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        loan = loan_for(self.request, kwargs["pk"])
        context = super().get_context_data(loan=loan, **kwargs)
        is_borrower = loan.borrower.user_id == user.pk
        context["is_borrower"] = is_borrower
        context["is_staff_view"] = user.is_staff_member
        if not (is_borrower or user.is_staff_member):
            # A circle member analysing a peer's request: the request and their vote, nothing else.
            context["member_vote_form"] = MemberVoteForm()
            context["my_vote"] = loan.votes.filter(review_round=loan.review_round, member__user=user).first()
            context["preview"] = selectors.schedule_preview(loan)
            return context
        context.update(selectors.loan_detail(loan))
        if loan.status in (
            LoanStatus.DRAFT,
            LoanStatus.RETURNED,
            LoanStatus.SUBMITTED,
            LoanStatus.CIRCLE_ACCEPTED,
        ):
            context["preview"] = selectors.schedule_preview(loan)
        if loan.is_disbursed:
            context["dpd"] = selectors.days_past_due(loan)
            context["arrears_state"] = arrears_state(loan, context["dpd"])
            if user.is_staff_member:
                context["reminders"] = selectors.loan_reminders(loan)
        context["can_withdraw"] = services.can_transition(loan, LoanStatus.WITHDRAWN)
        if loan.is_disbursed:
            from loans.views.hardship import restructuring_context

            context.update(restructuring_context(loan))
        context["may_decide"] = services.can_decide(loan, user)
        return context


class LoanSubmitView(RoleRequiredMixin, View):
    allowed_roles = WORKING_ROLES

    def post(self, request, pk):
        loan = loan_for(request, pk, Action.CHANGE)
        return run_action(
            request,
            loan,
            lambda: services.loan_submit(loan=loan, submitted_by=request.user),
            _("The request is sent to the circle for review."),
        )


class LoanWithdrawView(RoleRequiredMixin, LoanFormView):
    allowed_roles = WORKING_ROLES
    template_name = "loans/loan_withdraw.html"
    form_class = WithdrawForm

    def perform(self, data):
        services.loan_withdraw(loan=self.loan, withdrawn_by=self.request.user, reason=data["reason"])
        return _("The request is withdrawn.")


class LoanDocumentView(RoleRequiredMixin, View):
    """The business plan document, only for those who may see the loan; never served from MEDIA_URL."""

    allowed_roles = WORKING_ROLES

    def get(self, request, pk):
        loan = loan_for(request, pk)
        if not loan.plan_document:
            raise Http404
        return FileResponse(
            loan.plan_document.open("rb"), as_attachment=True, filename=loan.plan_document_name or "plan"
        )


class MemberVoteView(RoleRequiredMixin, View):
    """A circle member votes on a peer's request from their own page."""

    allowed_roles = (Role.ENTREPRENEUR,)

    def post(self, request, pk):
        loan = loan_for(request, pk)
        form = MemberVoteForm(request.POST)
        if form.is_valid():
            try:
                services.circle_vote_record(
                    loan=loan,
                    member=own_profile_or_404(request.user),
                    vote=form.cleaned_data["vote"],
                    comment=form.cleaned_data["comment"],
                    recorded_by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your vote is recorded."))
                return redirect("loans:loan_detail", pk=loan.pk)
        # A refused vote: the loan page again, with the vote form as typed (the comment is not lost).
        page = LoanDetailView()
        page.setup(request, pk=pk)
        context = page.get_context_data(pk=pk)
        context["member_vote_form"] = form
        return TemplateResponse(request, page.template_name, context)


class CircleReviewView(StaffRequiredMixin, LoanFormView):
    """During a meeting the advisor records each vote and, once the circle has decided, the outcome."""

    template_name = "loans/circle_review.html"
    form_class = CircleReviewForm

    def get_form_kwargs(self):
        self.voters = selectors.eligible_voters(self.loan) if self.loan.circle_id else []
        votes = {v.member_id: v for v in self.loan.votes.filter(review_round=self.loan.review_round)}
        return {**super().get_form_kwargs(), "voters": self.voters, "votes": votes}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            tally=selectors.vote_tally(self.loan) if self.loan.status == LoanStatus.SUBMITTED else None,
            **kwargs,
        )

    def perform(self, data):
        services.circle_review_record(
            loan=self.loan,
            votes=[
                (member, data[f"vote_{member.pk}"], data.get(f"comment_{member.pk}", ""))
                for member in self.voters
                if data.get(f"vote_{member.pk}")
            ],
            outcome=data["outcome"],
            remarks=data["remarks"],
            recorded_by=self.request.user,
        )
        return _("The circle's review is recorded.")
