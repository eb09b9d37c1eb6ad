import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, UpdateView
from django.views.generic.detail import SingleObjectMixin
from django_filters.views import FilterView

from microcredit.accounts import consents, selectors, services
from microcredit.accounts.filters import EntrepreneurFilter
from microcredit.accounts.forms import (
    DemographicsForm,
    EntrepreneurForm,
    MyContactForm,
    PersonalPasswordResetForm,
)
from microcredit.accounts.models import ConsentPurpose, ConsentRecord, Demographics, EntrepreneurProfile, Role
from microcredit.core.access_log import log_file_access
from microcredit.core.panels import panels_for
from microcredit.core.permissions import Action, get_object_or_404_for
from microcredit.core.submissions import CreateOnceViewMixin
from microcredit.core.timeline import timeline_for
from microcredit.core.views_mixins import (
    AdvisorInitialMixin,
    ObjectFormMixin,
    RoleRequiredMixin,
    ScopedObjectMixin,
    ServiceFormMixin,
    StaffRequiredMixin,
)


class EntrepreneurListView(StaffRequiredMixin, FilterView):
    template_name = "accounts/entrepreneur_list.html"
    filterset_class = EntrepreneurFilter
    paginate_by = 25

    def get_queryset(self):
        return selectors.entrepreneurs_for(self.request.user)


class EntrepreneurCreateView(StaffRequiredMixin, AdvisorInitialMixin, CreateOnceViewMixin, FormView):
    template_name = "accounts/entrepreneur_form.html"
    form_class = EntrepreneurForm

    def create(self, form):
        return services.entrepreneur_create(
            **form.user_data(),
            **{k: v for k, v in form.profile_data().items() if k != "advisor"},
            advisor=form.cleaned_data["advisor"],
            created_by=self.request.user,
        )

    def created_message(self, profile):
        if profile.user.email:
            return _("%(name)s is registered. An invitation to choose a password was sent to %(email)s.") % {
                "name": profile.user,
                "email": profile.user.email,
            }
        return _(
            "%(name)s is registered (login: %(username)s). Without an email address, their notices "
            "will go to their advisor."
        ) % {"name": profile.user, "username": profile.user.username}

    def created_redirect(self, profile):
        return redirect("accounts:entrepreneur_detail", pk=profile.pk)


class EntrepreneurDetailView(ScopedObjectMixin, DetailView):
    model = EntrepreneurProfile
    template_name = "accounts/entrepreneur_detail.html"
    context_object_name = "profile"

    def get_queryset(self):
        return super().get_queryset().select_related("user", "advisor")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            context["demographics"] = self.object.demographics
        except Demographics.DoesNotExist:
            context["demographics"] = None
        context["is_own_profile"] = self.object.user_id == self.request.user.pk
        log_file_access(user=self.request.user, profile=self.object, what="file")
        context["timeline"] = timeline_for(self.object, self.request.user)
        context["panels"] = panels_for("entrepreneur_file", user=self.request.user, profile=self.object)
        context["assignments"] = (
            self.object.advisor_assignments.select_related("previous_advisor", "advisor", "changed_by")[:20]
            if self.request.user.is_staff_member
            else []
        )
        return context


class MyProfileView(RoleRequiredMixin, View):
    allowed_roles = (Role.ENTREPRENEUR,)

    def get(self, request):
        profile = get_object_or_404_for(request.user, EntrepreneurProfile, user=request.user)
        return redirect("accounts:entrepreneur_detail", pk=profile.pk)


class EntrepreneurUpdateView(StaffRequiredMixin, ScopedObjectMixin, ServiceFormMixin, UpdateView):
    model = EntrepreneurProfile
    form_class = EntrepreneurForm
    template_name = "accounts/entrepreneur_form.html"
    context_object_name = "profile"
    permission_action = Action.CHANGE

    def perform(self, form):
        services.entrepreneur_update(
            profile=self.object,
            user_fields=form.user_data(),
            profile_fields=form.profile_data(),
            changed_by=self.request.user,
        )
        messages.success(self.request, _("The file of %(name)s is saved.") % {"name": self.object.user})
        return redirect("accounts:entrepreneur_detail", pk=self.object.pk)


class MyContactUpdateView(RoleRequiredMixin, ScopedObjectMixin, ServiceFormMixin, UpdateView):
    """An entrepreneur keeps their own contact details and language up to date."""

    allowed_roles = (Role.ENTREPRENEUR,)
    model = EntrepreneurProfile
    form_class = MyContactForm
    template_name = "accounts/my_contact_form.html"
    permission_action = Action.CHANGE

    def get_object(self, queryset=None):
        return get_object_or_404_for(
            self.request.user, EntrepreneurProfile, Action.CHANGE, user=self.request.user
        )

    def perform(self, form):
        profile_fields = {name: form.cleaned_data[name] for name in MyContactForm.Meta.fields}
        user_fields = {"phone": form.cleaned_data["phone"], "language": form.cleaned_data["language"]}
        services.entrepreneur_update(
            profile=self.object, user_fields=user_fields, profile_fields=profile_fields
        )
        messages.success(self.request, _("Your details are saved."))
        response = redirect("accounts:my_profile")
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user_fields["language"],
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
        return response


class DemographicsView(ScopedObjectMixin, ObjectFormMixin, FormView):
    """The optional, consented questions; filled by the person or with them by their advisor."""

    model = EntrepreneurProfile
    form_class = DemographicsForm
    template_name = "accounts/demographics_form.html"
    permission_action = Action.CHANGE
    context_object_name = "profile"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = Demographics.objects.filter(profile=self.object).first()
        return kwargs

    def form_valid(self, form):
        services.demographics_record(
            profile=self.object,
            consent=form.cleaned_data["consent"],
            answers=form.answers(),
            recorded_by=self.request.user,
        )
        messages.success(self.request, _("The answers are recorded with consent."))
        return HttpResponseRedirect(reverse("accounts:entrepreneur_detail", args=[self.object.pk]))


class DemographicsWithdrawView(ScopedObjectMixin, SingleObjectMixin, View):
    model = EntrepreneurProfile
    permission_action = Action.CHANGE

    def post(self, request, *args, **kwargs):
        profile = self.get_object()
        services.demographics_withdraw(profile=profile, recorded_by=request.user)
        messages.success(request, _("Consent is withdrawn and the answers are erased."))
        return redirect("accounts:entrepreneur_detail", pk=profile.pk)


class EntrepreneurExportView(ScopedObjectMixin, SingleObjectMixin, View):
    """A person's data, as JSON, on request (Law 25)."""

    model = EntrepreneurProfile

    def get(self, request, *args, **kwargs):
        profile = self.get_object()
        log_file_access(user=request.user, profile=profile, what="export")
        payload = json.dumps(selectors.person_data_export(profile), ensure_ascii=False, indent=2)
        response = HttpResponse(payload, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{profile.user.username}-data.json"'
        return response


class EntrepreneurSetPasswordView(StaffRequiredMixin, ScopedObjectMixin, ObjectFormMixin, FormView):
    """For a person without an email address: their advisor sets a password with them."""

    model = EntrepreneurProfile
    permission_action = Action.CHANGE
    template_name = "accounts/set_password_form.html"
    form_class = SetPasswordForm
    context_object_name = "profile"

    def get_queryset(self):
        # Only for people without an email address: the others reset their password themselves.
        return super().get_queryset().filter(user__email="")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.object.user
        return kwargs

    def form_valid(self, form):
        form.save()
        messages.success(
            self.request,
            _("%(name)s can now sign in with the login %(username)s and this password.")
            % {"name": self.object.user, "username": self.object.user.username},
        )
        return redirect("accounts:entrepreneur_detail", pk=self.object.pk)


class PasswordResetRequestView(auth_views.PasswordResetView):
    """The same answer, after the same work, whether or not an account has the address typed."""

    form_class = PersonalPasswordResetForm

    def form_valid(self, form):
        services.password_reset_request(
            email=form.cleaned_data["email"], client_address=self.request.META.get("REMOTE_ADDR", "")
        )
        return HttpResponseRedirect(self.get_success_url())


class ConsentsView(ScopedObjectMixin, DetailView):
    """Her consents, purpose by purpose, each with its date and the words shown; given or withdrawn here by
    the person, or by her advisor on her request (the referral consents are given on each referral)."""

    model = EntrepreneurProfile
    template_name = "accounts/consents.html"
    context_object_name = "profile"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current = {
            (record.purpose, record.subject): record
            for record in ConsentRecord.objects.filter(profile=self.object, is_current=True)
        }
        context["purposes"] = [
            {
                "code": purpose,
                "label": ConsentPurpose(purpose).label,
                "text": consents.TEXTS[purpose],
                "record": current.get((purpose, "")),
            }
            for purpose in (ConsentPurpose.DEMOGRAPHICS, ConsentPurpose.EMAIL_REMINDERS)
        ]
        context["referrals"] = [
            record for (purpose, _subject), record in current.items() if purpose == ConsentPurpose.REFERRAL
        ]
        context["history"] = self.object.consents.select_related("recorded_by")[:100]
        return context


class ConsentGiveView(ScopedObjectMixin, SingleObjectMixin, View):
    """Only a box she ticked: an unticked box records nothing."""

    model = EntrepreneurProfile
    permission_action = Action.CHANGE

    def post(self, request, *args, **kwargs):
        profile = self.get_object()
        if request.POST.get("purpose") != ConsentPurpose.EMAIL_REMINDERS:
            raise Http404
        if request.POST.get("agree") != "on":
            messages.error(request, _("Nothing was recorded: tick the box to give this consent."))
        else:
            consents.consent_give(
                profile=profile, purpose=ConsentPurpose.EMAIL_REMINDERS, recorded_by=request.user
            )
            messages.success(request, _("The consent is recorded."))
        return redirect("accounts:consents", pk=profile.pk)


class ConsentWithdrawView(ScopedObjectMixin, SingleObjectMixin, View):
    model = EntrepreneurProfile
    permission_action = Action.CHANGE

    def post(self, request, *args, **kwargs):
        profile = self.get_object()
        purpose, subject = request.POST.get("purpose", ""), request.POST.get("subject", "")
        if purpose not in ConsentPurpose.values:
            raise Http404
        if purpose == ConsentPurpose.DEMOGRAPHICS:
            services.demographics_withdraw(profile=profile, recorded_by=request.user)
        else:
            consents.consent_withdraw(
                profile=profile, purpose=purpose, subject=subject, recorded_by=request.user
            )
        messages.success(request, _("The consent is withdrawn; it takes effect at once."))
        return redirect("accounts:consents", pk=profile.pk)
