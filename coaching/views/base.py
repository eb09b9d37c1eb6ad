"""What the coaching views share: service errors shown on forms, and the entrepreneur in the URL looked
up inside the user's scope (404 for anyone else)."""

from functools import cached_property

from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core.permissions import Action, get_object_or_404_for
from microcredit.core.views_mixins import StaffRequiredMixin, add_service_errors

# A service's refusal on the form, next to the field it concerns (the one written in views_mixins).
show_service_errors = add_service_errors


class StaffProfileMixin(StaffRequiredMixin):
    """Staff pages about the entrepreneur ``profile_pk`` of the URL, which they may change."""

    @cached_property
    def profile(self) -> EntrepreneurProfile:
        return get_object_or_404_for(
            self.request.user,
            EntrepreneurProfile.objects.select_related("user", "advisor"),
            Action.CHANGE,
            pk=self.kwargs["profile_pk"],
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(profile=self.profile, **kwargs)
