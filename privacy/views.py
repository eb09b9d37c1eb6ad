"""The privacy page (public), and the Law 25 registers for the privacy officer and coordinators."""

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, ListView, UpdateView

from microcredit.core.access_log import WHAT, log_file_access
from microcredit.core.csv_export import csv_response
from microcredit.core.models import OrganizationSettings
from microcredit.core.permissions import get_object_or_404_for, is_privacy_officer
from microcredit.core.personal_data import personal_file, personal_file_sections
from microcredit.core.views_mixins import CoordinatorRequiredMixin, ServiceFormMixin
from privacy import selectors, services
from privacy.forms import IncidentForm, PolicyVersionForm, PrivacyRequestForm, PrivacySettingsForm
from privacy.models import AnonymizationRecord, Incident, PrivacyRequest, RequestKind
from privacy.views_mixins import PrivacyOfficerRequiredMixin

FILE_KINDS = (RequestKind.ACCESS, RequestKind.PORTABILITY)


def privacy_page(request):
    """Public (no sign-in): the person in charge of privacy and the policy, in the reader's language."""
    context = selectors.privacy_page()
    context["is_officer"] = is_privacy_officer(request.user)
    context["policy_text"] = (
        context["policy"].text_in(translation.get_language()) if context["policy"] else ""
    )
    return render(request, "privacy/privacy_page.html", context)


class PrivacySettingsView(CoordinatorRequiredMixin, UpdateView):
    form_class = PrivacySettingsForm
    template_name = "privacy/settings_form.html"

    def get_object(self, queryset=None):
        return OrganizationSettings.load()

    def form_valid(self, form):
        form.save()
        messages.success(self.request, _("The privacy settings are saved."))
        return redirect("privacy:settings")


class PolicyVersionCreateView(CoordinatorRequiredMixin, ServiceFormMixin, FormView):
    form_class = PolicyVersionForm
    template_name = "privacy/policy_form.html"

    def get_initial(self):
        current = selectors.current_policy()
        initial = {"effective_on": timezone.localdate()}
        if current:
            initial.update(text_fr=current.text_fr, text_en=current.text_en)
        return initial

    def perform(self, form):
        services.policy_publish(created_by=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("The new version of the privacy policy is published."))
        return redirect("privacy:page")


class RequestListView(PrivacyOfficerRequiredMixin, ListView):
    template_name = "privacy/request_list.html"
    context_object_name = "requests"
    paginate_by = 50

    def get_queryset(self):
        return selectors.requests_for(self.request.user)


class _RegisterFormView(PrivacyOfficerRequiredMixin, ServiceFormMixin, FormView):
    """A row of a Law 25 register (a request, an incident): new without ``pk`` in the URL, otherwise the one
    changed (looked up in the viewer's scope). ``record(fields)`` and ``update(fields)`` call the services,
    ``saved()`` says so and leads on."""

    model: type

    def dispatch(self, request, *args, **kwargs):
        self.object = None
        if request.user.is_authenticated and "pk" in kwargs:
            self.object = get_object_or_404_for(request.user, self.model, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "object": self.object}

    def perform(self, form):
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        self.object = self.record(fields) if self.object is None else self.update(fields)
        return self.saved()


class RequestFormView(_RegisterFormView):
    model = PrivacyRequest
    form_class = PrivacyRequestForm
    template_name = "privacy/request_form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(file_kinds=FILE_KINDS, **kwargs)

    def record(self, fields):
        return services.privacy_request_record(recorded_by=self.request.user, **fields)

    def update(self, fields):
        return services.privacy_request_update(request=self.object, **fields)

    def saved(self):
        messages.success(self.request, _("The request is saved."))
        return redirect("privacy:request_update", pk=self.object.pk)


class RequestFileView(PrivacyOfficerRequiredMixin, View):
    """The person's complete file for an access or portability request: JSON, or a readable page in her
    language. Advisors' internal notes are in it unless the organization documented an exception."""

    def get(self, request, pk, fmt):
        privacy_request = get_object_or_404_for(
            request.user, PrivacyRequest, pk=pk, kind__in=FILE_KINDS, profile__isnull=False
        )
        profile = privacy_request.profile
        include_notes = selectors.include_staff_notes()
        log_file_access(user=request.user, profile=profile, what="personal_file", detail=f"#{pk} {fmt}")
        if fmt == "json":
            payload = json.dumps(
                personal_file(profile, include_staff_only=include_notes), ensure_ascii=False, indent=2
            )
            response = HttpResponse(payload, content_type="application/json; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{profile.user.username}-file.json"'
            return response
        if fmt != "html":
            raise Http404
        with translation.override(profile.user.language):
            sections = personal_file_sections(profile, include_staff_only=include_notes)
            return render(
                request,
                "privacy/personal_file.html",
                {
                    "profile": profile,
                    "sections": sections,
                    "include_notes": include_notes,
                    "generated_at": timezone.now(),
                    "lang": profile.user.language,
                },
            )


class IncidentListView(PrivacyOfficerRequiredMixin, ListView):
    template_name = "privacy/incident_list.html"
    context_object_name = "incidents"
    paginate_by = 50

    def get_queryset(self):
        return selectors.incidents_for(self.request.user)


class IncidentFormView(_RegisterFormView):
    model = Incident
    form_class = IncidentForm
    template_name = "privacy/incident_form.html"

    def record(self, fields):
        return services.incident_record(recorded_by=self.request.user, **fields)

    def update(self, fields):
        return services.incident_update(incident=self.object, **fields)

    def saved(self):
        messages.success(self.request, _("The incident is recorded."))
        return redirect("privacy:incident_list")


class IncidentCsvView(PrivacyOfficerRequiredMixin, View):
    def get(self, request):
        header = [
            _("Discovered on"),
            _("What happened"),
            _("Information concerned"),
            _("People concerned"),
            _("Risk of serious injury"),
            _("Assessment of the risk"),
            _("Measures taken"),
            _("Commission notified on"),
            _("People notified on"),
            _("Recorded by"),
        ]
        rows = [
            [
                i.discovered_on,
                i.description,
                i.information_concerned,
                i.people_concerned,
                i.get_risk_display(),
                i.risk_assessment,
                i.measures,
                i.commission_notified_on,
                i.people_notified_on,
                str(i.recorded_by),
            ]
            for i in selectors.incidents_for(request.user)
        ]
        return csv_response("incidents.csv", [header, *rows])


class FileAccessListView(PrivacyOfficerRequiredMixin, ListView):
    template_name = "privacy/access_log.html"
    context_object_name = "accesses"
    paginate_by = 100

    def get_queryset(self):
        accesses = selectors.file_accesses_for(self.request.user)
        profile = self.request.GET.get("profile", "")
        return accesses.filter(profile_id=int(profile)) if profile.isdigit() else accesses

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "what": WHAT}


class RetentionView(PrivacyOfficerRequiredMixin, View):
    """The dry-run list of files past retention, the button that anonymizes them, and what was done."""

    def get(self, request):
        return render(
            request,
            "privacy/retention.html",
            {
                "candidates": services.retention_candidates()[:500],
                "records": AnonymizationRecord.objects.select_related("anonymized_by")[:100],
            },
        )

    def post(self, request):
        done = services.retention_run(by=request.user)
        messages.success(
            request,
            ngettext("%(count)s file is anonymized.", "%(count)s files are anonymized.", len(done))
            % {"count": len(done)},
        )
        return redirect("privacy:retention")
