from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from circles import selectors, services
from circles.forms import EnrollForm, FormCircleForm, TrainingForm, TrainingSessionForm
from circles.models import ParticipantStatus, Training, TrainingParticipant, TrainingSession
from microcredit.core.permissions import Action, get_object_or_404_for
from microcredit.core.submissions import CreateOnceViewMixin, without_key
from microcredit.core.views_mixins import (
    AdvisorInitialMixin,
    ScopedObjectMixin,
    ServiceFormMixin,
    StaffRequiredMixin,
    add_service_errors,
    report_outcome,
)


class TrainingListView(StaffRequiredMixin, ListView):
    template_name = "circles/training_list.html"
    context_object_name = "trainings"
    paginate_by = 30

    def get_queryset(self):
        return selectors.trainings_for(self.request.user)


class TrainingCreateView(StaffRequiredMixin, AdvisorInitialMixin, CreateOnceViewMixin, FormView):
    template_name = "circles/training_form.html"
    form_class = TrainingForm

    def create(self, form):
        return services.training_create(**without_key(form.cleaned_data))

    def created_message(self, training):
        return _("The training is created.")

    def created_redirect(self, training):
        return redirect("circles:training_detail", pk=training.pk)


class TrainingDetailView(StaffRequiredMixin, ScopedObjectMixin, DetailView):
    model = Training
    context_object_name = "training"
    template_name = "circles/training_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.training_detail(self.object))
        context.setdefault("enroll_form", EnrollForm(training=self.object))
        context.setdefault("session_form", TrainingSessionForm())
        context["statuses"] = ParticipantStatus.choices
        return context


def training_page_with(request, training: Training, **forms):
    """The training's page again, with a refused form bound to what was typed and showing why."""
    view = TrainingDetailView()
    view.setup(request, pk=training.pk)
    view.object = training
    return view.render_to_response(view.get_context_data(object=training, **forms))


class TrainingActionView(StaffRequiredMixin, View):
    def training(self) -> Training:
        return get_object_or_404_for(self.request.user, Training, Action.CHANGE, pk=self.kwargs["pk"])

    def report(self, call, success: str):
        report_outcome(self.request, call, success)
        return redirect("circles:training_detail", pk=self.kwargs["pk"])


class TrainingEnrollView(TrainingActionView):
    def post(self, request, pk):
        training = self.training()
        form = EnrollForm(request.POST, training=training)
        if form.is_valid():
            try:
                services.training_enroll(training=training, profile=form.cleaned_data["profile"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("%(person)s is registered.") % {"person": form.cleaned_data["profile"]}
                )
                return redirect("circles:training_detail", pk=pk)
        return training_page_with(request, training, enroll_form=form)


class TrainingSessionAddView(TrainingActionView):
    def post(self, request, pk):
        training = self.training()
        form = TrainingSessionForm(request.POST)
        if form.is_valid():
            try:
                services.training_session_add(training=training, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The session is added."))
                return redirect("circles:training_detail", pk=pk)
        return training_page_with(request, training, session_form=form)


class SessionAttendanceView(TrainingActionView):
    def post(self, request, pk, session_pk):
        training = self.training()
        session = TrainingSession.objects.filter(training=training, pk=session_pk).first()
        if session is None:
            return redirect("circles:training_detail", pk=pk)
        present = [
            int(value) for value in request.POST.getlist("present") if value.isascii() and value.isdigit()
        ]
        return self.report(
            lambda: services.training_attendance_record(session=session, present=present),
            _("The attendance is recorded."),
        )


class ParticipantStatusView(TrainingActionView):
    def post(self, request, pk, participant_pk):
        training = self.training()
        participant = TrainingParticipant.objects.filter(training=training, pk=participant_pk).first()
        if participant is None:
            return redirect("circles:training_detail", pk=pk)
        return self.report(
            lambda: services.training_participant_set_status(
                participant=participant, status=request.POST.get("status")
            ),
            _("The status of %(person)s is saved.") % {"person": participant.profile},
        )


class FormCircleView(StaffRequiredMixin, ServiceFormMixin, FormView):
    """Participants who completed the training become a new circle in one step."""

    template_name = "circles/form_circle.html"
    form_class = FormCircleForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.training = get_object_or_404_for(request.user, Training, Action.CHANGE, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "training": self.training}

    def get_context_data(self, **kwargs):
        return super().get_context_data(training=self.training, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        circle = services.circle_form_from_training(
            training=self.training,
            name=data["name"],
            participants=data["participants"],
            advisor=data["advisor"],
            network=data["network"],
            meeting_place=data["meeting_place"],
            characteristics=data["characteristics"],
            created_by=self.request.user,
        )
        messages.success(self.request, _("The circle %(name)s is formed.") % {"name": circle.phrase_name})
        return redirect("circles:circle_detail", pk=circle.pk)
