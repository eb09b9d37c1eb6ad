"""Staff screens of referrals to partners and of financing support."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, UpdateView
from django_filters.views import FilterView

from coaching import services
from coaching.filters import ReferralFilter
from coaching.forms import FinancingForm, FinancingStatusForm, ReferralForm, ReferralStatusForm
from coaching.models import FinancingApplication, Referral
from coaching.views.base import StaffProfileMixin
from microcredit.core.permissions import Action, scope
from microcredit.core.submissions import CreateOnceViewMixin
from microcredit.core.views_mixins import (
    ObjectFormMixin,
    ScopedObjectMixin,
    ServiceFormMixin,
    StaffRequiredMixin,
)


class ReferralListView(StaffRequiredMixin, FilterView):
    template_name = "coaching/referral_list.html"
    filterset_class = ReferralFilter
    paginate_by = 25

    def get_queryset(self):
        return scope(self.request.user, Referral.objects.all()).select_related(
            "partner", "profile__user", "profile__advisor"
        )

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = (kwargs["data"] or {}).copy()
        data.setdefault("open", "true")  # by default, what is still to follow ("open=" shows all)
        kwargs["data"] = data
        return kwargs


class ReferralCreateView(StaffProfileMixin, CreateOnceViewMixin, FormView):
    template_name = "coaching/referral_form.html"
    form_class = ReferralForm

    def get_initial(self):
        return {"referred_on": timezone.localdate(), "partner": self.request.GET.get("partner")}

    def create(self, form):
        return services.referral_create(
            profile=self.profile, created_by=self.request.user, **form.service_data()
        )

    def created_message(self, referral):
        return _("%(name)s is referred to %(partner)s.") % {
            "name": self.profile.user,
            "partner": referral.partner,
        }

    def created_redirect(self, referral):
        return redirect("coaching:referral_detail", pk=referral.pk)


class _StatusMixin(StaffRequiredMixin, ScopedObjectMixin, ObjectFormMixin, ServiceFormMixin, FormView):
    """A record's page with its status form: POST moves the status, and a refusal shows the page again
    with the messages and what was typed."""

    permission_action = Action.VIEW
    history_related = "status_changes"

    def post(self, request, *args, **kwargs):
        self.permission_action = Action.CHANGE
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        history = (
            getattr(self.object, self.history_related)
            .select_related("changed_by")
            .order_by("changed_at", "pk")
        )
        return super().get_context_data(history=list(history), profile=self.object.profile, **kwargs)


class ReferralDetailView(_StatusMixin):
    model = Referral
    template_name = "coaching/referral_detail.html"
    form_class = ReferralStatusForm
    context_object_name = "referral"

    def get_queryset(self):
        return super().get_queryset().select_related("partner", "profile__user", "created_by")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "referral": self.object}

    def perform(self, form):
        services.referral_change_status(
            referral=self.object,
            to_status=form.cleaned_data["to_status"],
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            changed_by=self.request.user,
        )
        messages.success(self.request, _("The referral's status is updated."))
        return redirect("coaching:referral_detail", pk=self.object.pk)


class FinancingCreateView(StaffProfileMixin, CreateOnceViewMixin, FormView):
    template_name = "coaching/financing_form.html"
    form_class = FinancingForm

    def get_initial(self):
        return {"started_on": timezone.localdate(), "kind": self.request.GET.get("kind")}

    def create(self, form):
        return services.financing_create(
            profile=self.profile, created_by=self.request.user, **form.service_data()
        )

    def created_message(self, application):
        return _("The financing support is recorded.")

    def created_redirect(self, application):
        return redirect("coaching:financing_detail", pk=application.pk)


class FinancingDetailView(_StatusMixin):
    model = FinancingApplication
    template_name = "coaching/financing_detail.html"
    form_class = FinancingStatusForm
    context_object_name = "application"

    def get_queryset(self):
        return super().get_queryset().select_related("partner", "profile__user", "created_by")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "application": self.object}

    def perform(self, form):
        services.financing_change_status(
            application=self.object,
            to_status=form.cleaned_data["to_status"],
            on=form.cleaned_data["on"],
            amount_obtained=form.cleaned_data["amount_obtained"],
            note=form.cleaned_data["note"],
            changed_by=self.request.user,
        )
        messages.success(self.request, _("The application's status is updated."))
        return redirect("coaching:financing_detail", pk=self.object.pk)


class FinancingUpdateView(StaffRequiredMixin, ScopedObjectMixin, ServiceFormMixin, UpdateView):
    model = FinancingApplication
    form_class = FinancingForm
    template_name = "coaching/financing_form.html"
    context_object_name = "application"
    permission_action = Action.CHANGE

    def get_queryset(self):
        return super().get_queryset().select_related("profile__user", "partner")

    def get_context_data(self, **kwargs):
        return super().get_context_data(profile=self.object.profile, **kwargs)

    def perform(self, form):
        data = form.service_data()
        data.pop("kind")
        services.financing_update(application=self.object, changed_by=self.request.user, **data)
        messages.success(self.request, _("The financing support is saved."))
        return redirect("coaching:financing_detail", pk=self.object.pk)
