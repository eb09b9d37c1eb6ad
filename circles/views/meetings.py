import datetime

import icalendar
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from circles import meeting_extensions, selectors, services
from circles.forms import MeetingPlanForm, MeetingRecordForm, MemberRecordFormSet
from circles.models import AttendanceStatus, Circle, Meeting, MeetingStatus
from microcredit.accounts.models import Role
from microcredit.core.formatting import format_date
from microcredit.core.permissions import Action, get_object_or_404_for
from microcredit.core.submissions import CreateOnceViewMixin, without_key
from microcredit.core.views_mixins import (
    ScopedObjectMixin,
    StaffRequiredMixin,
    add_service_errors,
    report_outcome,
)


class MeetingPlanView(StaffRequiredMixin, CreateOnceViewMixin, FormView):
    template_name = "circles/meeting_plan.html"
    form_class = MeetingPlanForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.circle = get_object_or_404_for(request.user, Circle, Action.CHANGE, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"place": self.circle.meeting_place}

    def get_context_data(self, **kwargs):
        return super().get_context_data(circle=self.circle, **kwargs)

    def create(self, form):
        return services.meeting_plan(
            circle=self.circle, planned_by=self.request.user, **without_key(form.cleaned_data)
        )

    def created_message(self, meeting):
        return _("The meeting of %(date)s is planned.") % {"date": format_date(meeting.date)}

    def created_redirect(self, meeting):
        return redirect("circles:circle_detail", pk=self.circle.pk)


class MeetingDetailView(ScopedObjectMixin, DetailView):
    model = Meeting
    context_object_name = "meeting"
    template_name = "circles/meeting_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("circle__advisor", "recorded_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.meeting_detail(self.object))
        context["is_staff_view"] = self.request.user.is_staff_member
        context["extension_details"] = meeting_extensions.details(meeting=self.object, user=self.request.user)
        return context


MARK_ALL_PRESENT = "mark_all_present"


class MeetingRecordView(StaffRequiredMixin, FormView):
    """One screen: each member's attendance and business follow-up, decisions, notes, the next meeting, and
    what the apps above add (``circles.meeting_extensions``: the repayments collected). When a part has
    something to confirm (amounts of money), the screen shows it back first, nothing recorded, and records
    only on Confirm with the same figures (a fingerprint of what was shown, as the loan page's payments)."""

    template_name = "circles/meeting_record.html"
    form_class = MeetingRecordForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.meeting = get_object_or_404_for(
                request.user, Meeting.objects.select_related("circle"), Action.CHANGE, pk=kwargs["pk"]
            )
            if not self.meeting.is_recordable:
                # No form to fill in for nothing: before its day (or once cancelled) a meeting has no record.
                if self.meeting.status == MeetingStatus.CANCELLED:
                    messages.error(request, _("This meeting was cancelled."))
                else:
                    messages.info(
                        request,
                        _("This meeting can be recorded from %(date)s, the day it is held.")
                        % {"date": format_date(self.meeting.date)},
                    )
                return redirect("circles:meeting_detail", pk=self.meeting.pk)
            self.members = list(
                selectors.circle_members(self.meeting.circle).order_by("profile__user__last_name")
            )
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        meeting = self.meeting
        return {
            "decisions": meeting.decisions,
            "shared_notes": meeting.shared_notes,
            "advisor_notes": meeting.advisor_notes,
        }

    def member_formset(self):
        attendance = {row.profile_id: row.status for row in self.meeting.attendance.all()}
        follow_ups = {row.profile_id: row for row in self.meeting.follow_ups.all()}
        initial = []
        for membership in self.members:
            follow_up = follow_ups.get(membership.profile_id)
            initial.append(
                {
                    "profile_id": membership.profile_id,
                    "attendance": attendance.get(membership.profile_id, ""),
                    "progress": follow_up.progress if follow_up else "",
                    "difficulties": follow_up.difficulties if follow_up else "",
                    "help_offered": follow_up.help_offered if follow_up else "",
                }
            )
        data = self.request.POST if self.request.method == "POST" else None
        if data is not None and MARK_ALL_PRESENT in data:
            data = data.copy()
            for index in range(len(self.members)):
                data[f"members-{index}-attendance"] = AttendanceStatus.PRESENT
        formset = MemberRecordFormSet(
            data, initial=initial, prefix="members", member_ids=[m.profile_id for m in self.members]
        )
        names = {m.profile_id: m.profile for m in self.members}
        for form in formset:
            form.member = names.get(form.initial.get("profile_id"))
        return formset

    def record_parts(self):
        if not hasattr(self, "_parts"):
            self._parts = meeting_extensions.record_parts(
                meeting=self.meeting,
                members=self.members,
                user=self.request.user,
                data=self.request.POST if self.request.method == "POST" else None,
            )
        return self._parts

    def reviewed(self, parts) -> str:
        text = "|".join(f"{part.name}:{part.fingerprint()}" for part in parts)
        return salted_hmac(
            f"circles.meeting_record.{self.meeting.pk}.{self.request.user.pk}", text
        ).hexdigest()

    def get_context_data(self, **kwargs):
        kwargs.setdefault("formset", self.member_formset())
        parts = self.record_parts()
        # Each part's formset at the top of the context, so that a refusal is announced (refusal_summary).
        kwargs.update({f"{part.name}_formset": part.formset for part in parts})
        return super().get_context_data(meeting=self.meeting, parts=parts, **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        formset = self.member_formset()
        if MARK_ALL_PRESENT in request.POST:
            # "Everyone present" without JavaScript: the same page, every row present, nothing saved yet.
            return self.render_to_response(self.get_context_data(form=form, formset=formset, marking=True))
        parts = self.record_parts()
        valid = [form.is_valid(), formset.is_valid(), *(part.formset.is_valid() for part in parts)]
        if not all(valid):
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        confirming = [line for part in parts for line in part.confirmation()]
        if confirming:
            reviewed = self.reviewed(parts)
            step = request.POST.get("step")
            if not (step == "confirm" and constant_time_compare(request.POST.get("reviewed", ""), reviewed)):
                # Shown back first, nothing recorded: the amounts, then Confirm (or change them below).
                return self.render_to_response(
                    self.get_context_data(
                        form=form,
                        formset=formset,
                        confirming=confirming,
                        reviewed=reviewed,
                        changed=step == "confirm",
                    )
                )
        rows = [f.cleaned_data for f in formset]
        data = form.cleaned_data
        try:
            services.meeting_record(
                meeting=self.meeting,
                recorded_by=request.user,
                attendance={row["profile_id"]: row["attendance"] for row in rows},
                follow_ups={
                    row["profile_id"]: {k: row[k] for k in ("progress", "difficulties", "help_offered")}
                    for row in rows
                },
                decisions=data["decisions"],
                shared_notes=data["shared_notes"],
                advisor_notes=data["advisor_notes"],
                next_meeting={
                    "date": data["next_date"],
                    "start_time": data["next_start_time"],
                    "place": data["next_place"],
                },
                also=[self._saver(part) for part in parts],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        messages.success(request, _("The meeting is recorded."))
        return redirect("circles:meeting_detail", pk=self.meeting.pk)

    def _saver(self, part):
        return lambda meeting: part.save(meeting=meeting, user=self.request.user)


class MeetingCancelView(StaffRequiredMixin, View):
    def post(self, request, pk):
        meeting = get_object_or_404_for(request.user, Meeting, Action.CHANGE, pk=pk)
        report_outcome(
            request,
            lambda: services.meeting_cancel(meeting=meeting, cancelled_by=request.user),
            _("The meeting is cancelled."),
        )
        return redirect("circles:circle_detail", pk=meeting.circle_id)


class UpcomingMeetingsView(StaffRequiredMixin, ListView):
    template_name = "circles/upcoming_meetings.html"
    context_object_name = "meetings"

    def get_queryset(self):
        advisor = self.request.user if self.request.user.role == Role.ADVISOR else None
        return selectors.upcoming_meetings(advisor=advisor)

    def get_context_data(self, **kwargs):
        token = selectors.calendar_token_of(self.request.user)
        url = (
            self.request.build_absolute_uri(reverse("circles:calendar_feed", args=[token])) if token else None
        )
        return super().get_context_data(calendar_url=url, **kwargs)


class CalendarAddressView(StaffRequiredMixin, View):
    """The owner creates, replaces (``new``) or switches off (``off``) their private calendar address."""

    def post(self, request):
        if request.POST.get("action") == "off":
            services.calendar_feed_revoke(user=request.user)
            messages.success(request, _("Your calendar address is switched off: it no longer works."))
        else:
            report_outcome(
                request,
                lambda: services.calendar_feed_regenerate(user=request.user),
                _("Your new calendar address is below; any previous one no longer works."),
            )
        return redirect("circles:upcoming_meetings")


MEETING_LENGTH = datetime.timedelta(hours=2)


def meetings_calendar(meetings) -> bytes:
    """The meetings as an iCalendar file, built by the icalendar library: it escapes and folds every text
    (a place holding a line break stays one property), and the times carry the organization's time zone."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Microcredit//Circles//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Circle meetings"))
    stamp = timezone.now().astimezone(datetime.UTC)
    for meeting in meetings:
        start = timezone.localtime(meeting.starts_at)
        event = icalendar.Event()
        event.add("uid", f"meeting-{meeting.pk}@microcredit")
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + MEETING_LENGTH)
        event.add("summary", meeting.circle.name)
        if meeting.place:
            event.add("location", meeting.place)
        cancelled = meeting.status == MeetingStatus.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


class CalendarFeedView(View):
    """A staff member's circle meetings as iCalendar, for a calendar app.

    The URL carries the person's random token instead of a session (calendar apps cannot sign in); it says
    nothing about who it belongs to, and stops working when its owner replaces or switches it off. The feed
    only lists circle names, dates, places and whether a meeting is cancelled."""

    def get(self, request, token):
        user = selectors.calendar_feed_owner(token)
        if user is None:
            raise Http404
        meetings = selectors.calendar_meetings(advisor=user if user.role == Role.ADVISOR else None)
        response = HttpResponse(meetings_calendar(meetings), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="circle-meetings.ics"'
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response
