"""Business milestones: dated facts about the entrepreneur's business that feed the impact figures."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.models.choices import ONCE_ONLY_MILESTONES, MilestoneKind, RevenueBand
from coaching.models.fields import author_field
from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core.dates import BoundedDateField, DateKind


class Milestone(models.Model):
    profile = models.ForeignKey(
        EntrepreneurProfile,
        on_delete=models.CASCADE,
        related_name="milestones",
        verbose_name=_("entrepreneur"),
    )
    kind = models.CharField(_("milestone"), max_length=30, choices=MilestoneKind.choices)
    achieved_on = BoundedDateField(_("date"), default=timezone.localdate, date_kind=DateKind.PAST)
    jobs_count = models.PositiveSmallIntegerField(
        _("number of jobs created"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    revenue_band = models.CharField(_("revenue band"), max_length=20, choices=RevenueBand.choices, blank=True)
    note = models.CharField(_("note"), max_length=250, blank=True, help_text=_("The entrepreneur sees it."))
    recorded_by = author_field(_("recorded by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["-achieved_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=MilestoneKind.values), name="coaching_milestone_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind=MilestoneKind.JOBS_CREATED, jobs_count__isnull=False, jobs_count__gte=1)
                | (~Q(kind=MilestoneKind.JOBS_CREATED) & Q(jobs_count__isnull=True)),
                name="coaching_milestone_jobs_count",
                violation_error_message=_(
                    "Enter the number of jobs for a jobs-created milestone, and only then."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind=MilestoneKind.REVENUE_BAND, revenue_band__in=RevenueBand.values)
                | (~Q(kind=MilestoneKind.REVENUE_BAND) & Q(revenue_band="")),
                name="coaching_milestone_revenue_band",
                violation_error_message=_("Choose a revenue band for a revenue milestone, and only then."),
            ),
            models.UniqueConstraint(
                fields=["profile", "kind"],
                condition=Q(kind__in=ONCE_ONLY_MILESTONES),
                name="coaching_milestone_once",
                violation_error_message=_("This milestone is already recorded for this entrepreneur."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} · {self.get_kind_display()}"

    @property
    def value_display(self) -> str:
        if self.kind == MilestoneKind.JOBS_CREATED:
            return str(self.jobs_count)
        if self.kind == MilestoneKind.REVENUE_BAND:
            return str(self.get_revenue_band_display())
        return ""
