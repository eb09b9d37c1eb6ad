"""Staff screens of an entrepreneur's coaching records: sessions and milestones."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, UpdateView

from coaching import services
from coaching.forms import MilestoneForm, SessionForm
from coaching.models import CoachingSession, SessionMode
from coaching.views.base import StaffProfileMixin
from microcredit.accounts.models import Role
from microcredit.core.permissions import Action
from microcredit.core.submissions import CreateOnceViewMixin
from microcredit.core.views_mixins import ScopedObjectMixin, ServiceFormMixin, StaffRequiredMixin


class SessionCreateView(StaffProfileMixin, CreateOnceViewMixin, FormView):
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

    def create(self, form):
        return services.session_record(
            profile=self.profile, recorded_by=self.request.user, **form.service_data()
        )

    def created_message(self, session):
        return _("The session with %(name)s is recorded.") % {"name": self.profile.user}

    def created_redirect(self, session):
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


class SessionUpdateView(StaffRequiredMixin, ScopedObjectMixin, ServiceFormMixin, UpdateView):
    model = CoachingSession
    form_class = SessionForm
    template_name = "coaching/session_form.html"
    context_object_name = "session"
    permission_action = Action.CHANGE

    def get_queryset(self):
        return super().get_queryset().select_related("profile__user").prefetch_related("topics")

    def get_context_data(self, **kwargs):
        return super().get_context_data(profile=self.object.profile, **kwargs)

    def perform(self, form):
        data = form.service_data()
        topics = data.pop("topics")
        services.session_update(session=self.object, changed_by=self.request.user, topics=topics, **data)
        messages.success(self.request, _("The session is saved."))
        return redirect("coaching:session_detail", pk=self.object.pk)


class MilestoneCreateView(StaffProfileMixin, CreateOnceViewMixin, FormView):
    template_name = "coaching/milestone_form.html"
    form_class = MilestoneForm

    def get_initial(self):
        return {"achieved_on": timezone.localdate()}

    def create(self, form):
        return services.milestone_record(
            profile=self.profile, recorded_by=self.request.user, **form.service_data()
        )

    def created_message(self, milestone):
        return _("The milestone “%(milestone)s” is recorded.") % {"milestone": milestone.get_kind_display()}

    def created_redirect(self, milestone):
        return redirect("accounts:entrepreneur_detail", pk=self.profile.pk)
