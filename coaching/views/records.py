"""Staff screens of an entrepreneur's coaching records: sessions and milestones."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, UpdateView

from coaching import services
from coaching.forms import MilestoneForm, SessionForm
from coaching.models import CoachingSession, SessionMode
from coaching.views.base import StaffProfileMixin, show_service_errors
from microcredit.accounts.models import Role
from microcredit.core.permissions import Action
from microcredit.core.submissions import OneTimeSubmissionViewMixin
from microcredit.core.views_mixins import ScopedObjectMixin, StaffRequiredMixin


class SessionCreateView(StaffProfileMixin, OneTimeSubmissionViewMixin, FormView):
    template_name = "coaching/session_form.html"
    form_class = SessionForm

    def get_initial(self):
        user = self.request.user
        return {
            "held_on": timezone.localdate(),
            "duration_minutes": 60,
            "mode": SessionMode.IN_PERSON,
            "advisor": user if user.role == Role.ADVISOR else self.profile.advisor,
        }

    def form_valid(self, form):
        try:
            _session, first = self.create_once(
                form,
                lambda: services.session_record(
                    profile=self.profile, recorded_by=self.request.user, **form.service_data()
                ),
            )
        except ValidationError as error:
            show_service_errors(form, error)
            return self.form_invalid(form)
        if first:
            messages.success(
                self.request, _("The session with %(name)s is recorded.") % {"name": self.profile.user}
            )
        return redirect("accounts:entrepreneur_detail", pk=self.profile.pk)


class SessionDetailView(StaffRequiredMixin, ScopedObjectMixin, DetailView):
    """Staff only: the whole session, staff-only notes included."""

    model = CoachingSession
    template_name = "coaching/session_detail.html"
    context_object_name = "session"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("profile__user", "advisor", "created_by")
            .prefetch_related("topics")
        )


class SessionUpdateView(StaffRequiredMixin, ScopedObjectMixin, UpdateView):
    model = CoachingSession
    form_class = SessionForm
    template_name = "coaching/session_form.html"
    context_object_name = "session"
    permission_action = Action.CHANGE

    def get_queryset(self):
        return super().get_queryset().select_related("profile__user").prefetch_related("topics")

    def get_context_data(self, **kwargs):
        return super().get_context_data(profile=self.object.profile, **kwargs)

    def form_valid(self, form):
        data = form.service_data()
        topics = data.pop("topics")
        try:
            services.session_update(session=self.object, changed_by=self.request.user, topics=topics, **data)
        except ValidationError as error:
            show_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The session is saved."))
        return redirect("coaching:session_detail", pk=self.object.pk)


class MilestoneCreateView(StaffProfileMixin, OneTimeSubmissionViewMixin, FormView):
    template_name = "coaching/milestone_form.html"
    form_class = MilestoneForm

    def get_initial(self):
        return {"achieved_on": timezone.localdate()}

    def form_valid(self, form):
        try:
            milestone, first = self.create_once(
                form,
                lambda: services.milestone_record(
                    profile=self.profile, recorded_by=self.request.user, **form.service_data()
                ),
            )
        except ValidationError as error:
            show_service_errors(form, error)
            return self.form_invalid(form)
        if first:
            messages.success(
                self.request,
                _("The milestone “%(milestone)s” is recorded.") % {"milestone": milestone.get_kind_display()},
            )
        return redirect("accounts:entrepreneur_detail", pk=self.profile.pk)
