"""Loan requests: the borrower's side and the circle's review."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from loans import selectors, services
from loans.forms import CircleReviewForm, LoanRequestForm, MemberVoteForm, WithdrawForm
from loans.models import LoanStatus
from loans.services.arrears import arrears_state
from loans.views.common import loan_for, run_action
from microcredit.accounts.models import Role
from microcredit.accounts.selectors import entrepreneurs_for, own_profile_or_404
from microcredit.core.permissions import Action
from microcredit.core.submissions import OneTimeSubmissionViewMixin
from microcredit.core.views_mixins import RoleRequiredMixin, StaffRequiredMixin, add_service_errors

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


class LoanRequestCreateView(RoleRequiredMixin, OneTimeSubmissionViewMixin, FormView):
    allowed_roles = WORKING_ROLES
    template_name = "loans/loan_form.html"
    form_class = LoanRequestForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.user.is_staff_member:
            kwargs["borrower_choices"] = entrepreneurs_for(self.request.user).order_by(
                "user__last_name", "user__first_name"
            )
        return kwargs

    def form_valid(self, form):
        borrower = form.cleaned_data.get("borrower") or own_profile_or_404(self.request.user)
        try:
            loan, first = self.create_once(
                form,
                lambda: services.loan_request_create(
                    borrower=borrower,
                    prepared_by=self.request.user,
                    document=form.cleaned_data.get("document"),
                    **form.request_data(),
                ),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        if first:
            messages.success(
                self.request, _("The request is saved as a draft. Check the schedule, then submit it.")
            )
        return redirect("loans:loan_detail", pk=loan.pk)


class LoanRequestUpdateView(RoleRequiredMixin, FormView):
    allowed_roles = WORKING_ROLES
    template_name = "loans/loan_form.html"
    form_class = LoanRequestForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.loan = loan_for(request, kwargs["pk"], Action.CHANGE)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.loan}

    def get_context_data(self, **kwargs):
        return super().get_context_data(loan=self.loan, **kwargs)

    def form_valid(self, form):
        try:
            services.loan_request_update(
                loan=self.loan,
                changed_by=self.request.user,
                document=form.cleaned_data.get("document"),
                **form.request_data(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
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
            context["dpd"] = services.days_past_due(loan)
            context["arrears_state"] = arrears_state(loan, context["dpd"])
            if user.is_staff_member:
                context["reminders"] = selectors.loan_reminders(loan)
        context["can_withdraw"] = services.can_transition(loan, LoanStatus.WITHDRAWN)
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


class LoanWithdrawView(RoleRequiredMixin, FormView):
    allowed_roles = WORKING_ROLES
    template_name = "loans/loan_withdraw.html"
    form_class = WithdrawForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.loan = loan_for(request, kwargs["pk"], Action.CHANGE)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(loan=self.loan, **kwargs)

    def form_valid(self, form):
        try:
            services.loan_withdraw(
                loan=self.loan, withdrawn_by=self.request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The request is withdrawn."))
        return redirect("loans:loan_detail", pk=self.loan.pk)


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


class CircleReviewView(StaffRequiredMixin, FormView):
    """During a meeting the advisor records each vote and, once the circle has decided, the outcome."""

    template_name = "loans/circle_review.html"
    form_class = CircleReviewForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.loan = loan_for(request, kwargs["pk"], Action.CHANGE)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        voters = services.eligible_voters(self.loan) if self.loan.circle_id else []
        votes = {v.member_id: v for v in self.loan.votes.filter(review_round=self.loan.review_round)}
        return {**super().get_form_kwargs(), "voters": voters, "votes": votes}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            loan=self.loan,
            tally=services.vote_tally(self.loan) if self.loan.status == LoanStatus.SUBMITTED else None,
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.circle_review_record(
                loan=self.loan,
                votes=[
                    (member, data[f"vote_{member.pk}"], data.get(f"comment_{member.pk}", ""))
                    for member in form.voters
                    if data.get(f"vote_{member.pk}")
                ],
                outcome=data["outcome"],
                remarks=data["remarks"],
                recorded_by=self.request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The circle's review is recorded."))
        return redirect("loans:loan_detail", pk=self.loan.pk)
