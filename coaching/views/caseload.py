"""The advisor's caseload, the coordinators' overview of caseloads, and reassignment."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.generic import FormView, TemplateView

from coaching import selectors, services
from coaching.forms import CaseloadAdvisorForm, ReassignForm
from coaching.forms.caseload import active_advisors
from coaching.views.base import show_service_errors
from microcredit.accounts.models import AdvisorAssignment, Role, User
from microcredit.core.models import OrganizationSettings
from microcredit.core.views_mixins import CoordinatorRequiredMixin, StaffRequiredMixin


class CaseloadView(StaffRequiredMixin, TemplateView):
    """An advisor's entrepreneurs, whom to call first at the top. Advisors land on their own; anyone on
    the staff can open another advisor's (``?advisor=``), and coordinators land on the overview."""

    template_name = "coaching/caseload.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        # (``?page=`` alone pages the advisor's own caseload; ``?advisor=`` chooses one.)
        chooser = CaseloadAdvisorForm(self.request.GET if "advisor" in self.request.GET else None)
        advisor = None
        if chooser.is_bound:
            if not chooser.is_valid():
                raise Http404
            advisor = chooser.cleaned_data["advisor"]
        elif user.role == Role.ADVISOR:
            advisor = user
            chooser = CaseloadAdvisorForm(initial={"advisor": user})
        context = super().get_context_data(chooser=chooser, advisor=advisor, **kwargs)
        if advisor is None:
            context["overview"] = selectors.caseload_overview(user)
        else:
            settings = OrganizationSettings.load()
            # 50 a page, whom to call first on the first: a caseload of thousands renders one page.
            page = selectors.caseload_page(user, advisor, self.request.GET.get("page"), settings=settings)
            context.update(rows=page.object_list, page_obj=page, paginator=page.paginator)
            context["is_paginated"] = page.has_other_pages()
            context["no_contact_days"] = settings.coaching_no_contact_days
        return context


class ReassignView(CoordinatorRequiredMixin, FormView):
    """Move some or all of an advisor's entrepreneurs to another advisor, with a reason kept in each
    entrepreneur's assignment history. ``?from=<advisor id>`` or ``?from=none`` (not assigned)."""

    template_name = "coaching/reassign.html"
    form_class = ReassignForm

    def dispatch(self, request, *args, **kwargs):
        self.from_advisor = None
        self.from_value = request.GET.get("from", "none")
        if self.from_value != "none":
            try:
                self.from_advisor = User.objects.get(pk=int(self.from_value), role=Role.ADVISOR)
            except (ValueError, User.DoesNotExist):
                raise Http404 from None
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "viewer": self.request.user, "from_advisor": self.from_advisor}

    def get_context_data(self, **kwargs):
        history = AdvisorAssignment.objects.select_related(
            "profile__user", "previous_advisor", "advisor", "changed_by"
        ).order_by("-changed_at", "-pk")[:15]
        return super().get_context_data(
            from_advisor=self.from_advisor,
            from_value=self.from_value,
            advisors=active_advisors(),
            overview=selectors.caseload_overview(self.request.user),
            history=history,
            **kwargs,
        )

    def form_valid(self, form):
        to_advisor = form.cleaned_data["to_advisor"]
        try:
            moved = services.caseload_reassign(
                profiles=form.cleaned_data["profiles"],
                from_advisor=self.from_advisor,
                to_advisor=to_advisor,
                changed_by=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            ngettext(
                "%(count)d entrepreneur is now followed by %(advisor)s.",
                "%(count)d entrepreneurs are now followed by %(advisor)s.",
                len(moved),
            )
            % {"count": len(moved), "advisor": to_advisor},
        )
        return redirect(reverse("coaching:reassign") + f"?from={self.from_value}")
