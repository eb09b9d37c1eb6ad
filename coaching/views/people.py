"""The entrepreneur's own coaching space, and the board's aggregate figures."""

from django.utils import timezone
from django.views.generic import TemplateView

from coaching import selectors
from coaching.forms import ImpactPeriodForm
from microcredit.accounts.models import EntrepreneurProfile, Role
from microcredit.core.permissions import get_object_or_404_for
from microcredit.core.privacy import board_dates
from microcredit.core.views_mixins import RoleRequiredMixin


class MyCoachingView(RoleRequiredMixin, TemplateView):
    """Shared summaries, next steps, referrals, financing support and milestones: never staff notes."""

    allowed_roles = (Role.ENTREPRENEUR,)
    template_name = "coaching/my_coaching.html"

    def get_context_data(self, **kwargs):
        profile = get_object_or_404_for(
            self.request.user, EntrepreneurProfile.objects.select_related("advisor"), user=self.request.user
        )
        return super().get_context_data(profile=profile, **selectors.entrepreneur_space(profile), **kwargs)


class ImpactView(RoleRequiredMixin, TemplateView):
    """Coaching given and business milestones, in aggregate: for the board and the staff."""

    allowed_roles = (Role.BOARD, Role.COORDINATOR, Role.ADVISOR)
    template_name = "coaching/impact.html"

    def get_context_data(self, **kwargs):
        period = ImpactPeriodForm(self.request.GET or None)
        start, end = period.period()
        if self.request.user.role == Role.BOARD:
            # Closed whole months for the board: two periods a day apart could single out one session.
            today = timezone.localdate()
            _as_of, start, end = board_dates(today, start, end, today=today)
        if not period.is_bound:
            period = ImpactPeriodForm(initial={"start": start, "end": end})
        return super().get_context_data(
            period=period,
            figures=selectors.impact_figures(
                start=start, end=end, for_board=self.request.user.role == Role.BOARD
            ),
            **kwargs,
        )
