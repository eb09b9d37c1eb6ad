import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coaching.models import Milestone, MilestoneKind
from coaching.models.choices import ONCE_ONLY_MILESTONES
from coaching.services._checks import check_not_in_future
from microcredit.accounts import services as accounts_services
from microcredit.accounts.models import BusinessStage, EntrepreneurProfile, User


@transaction.atomic
def milestone_record(
    *,
    profile: EntrepreneurProfile,
    kind: str,
    achieved_on: datetime.date,
    recorded_by: User | None,
    jobs_count: int | None = None,
    revenue_band: str = "",
    note: str = "",
) -> Milestone:
    """Record a dated business milestone. Business registered, first sale and business closed happen
    once; recording a closure also marks the business as closed on the person's file."""
    check_not_in_future(achieved_on, "achieved_on")
    if kind == MilestoneKind.JOBS_CREATED and not jobs_count:
        raise ValidationError({"jobs_count": _("Enter how many jobs were created.")})
    if kind == MilestoneKind.REVENUE_BAND and not revenue_band:
        raise ValidationError({"revenue_band": _("Choose the revenue band.")})
    if kind in ONCE_ONLY_MILESTONES and Milestone.objects.filter(profile=profile, kind=kind).exists():
        raise ValidationError({"kind": _("This milestone is already recorded for this entrepreneur.")})
    milestone = Milestone(
        profile=profile,
        kind=kind,
        achieved_on=achieved_on,
        jobs_count=jobs_count if kind == MilestoneKind.JOBS_CREATED else None,
        revenue_band=revenue_band if kind == MilestoneKind.REVENUE_BAND else "",
        note=note.strip(),
        recorded_by=recorded_by,
    )
    milestone.full_clean()
    milestone.save()
    if kind == MilestoneKind.BUSINESS_CLOSED and profile.business_stage != BusinessStage.CLOSED:
        accounts_services.entrepreneur_update(
            profile=profile,
            user_fields={},
            profile_fields={"business_stage": BusinessStage.CLOSED},
            changed_by=recorded_by,
        )
    return milestone
