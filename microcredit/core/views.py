from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import UpdateView
from django.views.i18n import set_language as django_set_language

from microcredit.accounts.models import Language, Role
from microcredit.accounts.selectors import entrepreneurs_for
from microcredit.core import selectors
from microcredit.core.forms import OrganizationSettingsForm
from microcredit.core.models import OrganizationSettings
from microcredit.core.panels import panels_for
from microcredit.core.views_mixins import CoordinatorRequiredMixin


@login_required
def home(request):
    """Each role lands on its own page; the apps add their sections to it (``microcredit/core/panels.py``)."""
    user = request.user
    context = {"panels": panels_for("home", user=user)}
    if user.role == Role.COORDINATOR:
        context["overview"] = selectors.coordinator_overview()
        return render(request, "core/home_coordinator.html", context)
    if user.role == Role.ADVISOR:
        caseload = entrepreneurs_for(user).filter(advisor=user)
        context.update(caseload=caseload[:50], caseload_count=selectors.caseload_size(user))
        return render(request, "core/home_advisor.html", context)
    if user.role == Role.ENTREPRENEUR:
        context["profile"] = entrepreneurs_for(user).first()
        return render(request, "core/home_entrepreneur.html", context)
    context["overview"] = selectors.board_overview()
    return render(request, "core/home_board.html", context)


@require_POST
def set_language(request):
    """Django's language switch, remembered on the signed-in person's profile too."""
    language = request.POST.get("language")
    if request.user.is_authenticated and language in Language.values and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    return django_set_language(request)


class OrganizationSettingsView(CoordinatorRequiredMixin, UpdateView):
    form_class = OrganizationSettingsForm
    template_name = "core/organization_settings_form.html"

    def get_object(self, queryset=None):
        # A copy of its own: a refused form changes this instance, never the one the rest of the page reads.
        OrganizationSettings.load()
        return OrganizationSettings.objects.get(pk=OrganizationSettings.SINGLETON_ID)

    def form_valid(self, form):
        form.save()
        messages.success(self.request, _("The organization's settings are saved."))
        return redirect("core:organization_settings")
