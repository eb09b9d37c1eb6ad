from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404

from microcredit.core.permissions import is_privacy_officer


class PrivacyOfficerRequiredMixin(LoginRequiredMixin):
    """The privacy officer and coordinators; anyone else is told the page does not exist."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_privacy_officer(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)
