"""The fixed vocabularies of coaching, and the allowed moves of each status."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from microcredit.core.state import StateMachine


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")


class Topic(models.TextChoices):
    MANAGEMENT = "management", _("Management")
    MARKETING = "marketing", _("Marketing")
    FINANCES = "finances", _("Finances")
    LEGAL = "legal", _("Legal")
    DIGITAL = "digital", _("Digital")
    OTHER = "other", _("Other")


class PartnerKind(models.TextChoices):
    CDEC = "cdec", _("CDEC (community economic development corporation)")
    SAJE = "saje", _("SAJE (youth entrepreneurship support)")
    CLD = "cld", _("CLD (local development centre)")
    SACO = "saco", _("SACO (volunteer senior business mentors)")
    FINANCIAL_INSTITUTION = "financial_institution", _("Financial institution")
    OTHER = "other", _("Other")


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    SENT = "sent", _("Sent")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")


REFERRAL_STATES = StateMachine(
    ReferralStatus,
    {
        ReferralStatus.PROPOSED: {ReferralStatus.SENT, ReferralStatus.DECLINED},
        ReferralStatus.SENT: {ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED, ReferralStatus.DECLINED},
        ReferralStatus.IN_PROGRESS: {ReferralStatus.COMPLETED, ReferralStatus.DECLINED},
    },
    refusal=_("A referral cannot go from “%(from)s” to “%(to)s”."),
)
REFERRAL_INITIAL = (ReferralStatus.PROPOSED, ReferralStatus.SENT)
REFERRAL_CLOSED = (ReferralStatus.COMPLETED, ReferralStatus.DECLINED)


class FinancingKind(models.TextChoices):
    INTRODUCTION = "introduction", _("Introduction to a financial institution")
    GRANT = "grant", _("Grant application")


class FinancingStatus(models.TextChoices):
    PREPARING = "preparing", _("In preparation")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


FINANCING_STATES = StateMachine(
    FinancingStatus,
    {
        FinancingStatus.PREPARING: {FinancingStatus.SUBMITTED, FinancingStatus.WITHDRAWN},
        FinancingStatus.SUBMITTED: {
            FinancingStatus.APPROVED,
            FinancingStatus.REFUSED,
            FinancingStatus.WITHDRAWN,
        },
    },
    refusal=_("An application cannot go from “%(from)s” to “%(to)s”."),
)
FINANCING_DECIDED = (FinancingStatus.APPROVED, FinancingStatus.REFUSED)
FINANCING_CLOSED = (FinancingStatus.APPROVED, FinancingStatus.REFUSED, FinancingStatus.WITHDRAWN)


class MilestoneKind(models.TextChoices):
    BUSINESS_REGISTERED = "business_registered", _("Business registered")
    FIRST_SALE = "first_sale", _("First sale")
    JOBS_CREATED = "jobs_created", _("Jobs created")
    REVENUE_BAND = "revenue_band", _("Annual revenue")
    BUSINESS_CLOSED = "business_closed", _("Business closed")


# Happen once in the life of a business: the database refuses a second one for the same person.
ONCE_ONLY_MILESTONES = (
    MilestoneKind.BUSINESS_REGISTERED,
    MilestoneKind.FIRST_SALE,
    MilestoneKind.BUSINESS_CLOSED,
)


class RevenueBand(models.TextChoices):
    UNDER_10K = "under_10k", _("Under $10,000")
    FROM_10K = "10k_30k", _("$10,000 to $29,999")
    FROM_30K = "30k_60k", _("$30,000 to $59,999")
    FROM_60K = "60k_100k", _("$60,000 to $99,999")
    OVER_100K = "100k_plus", _("$100,000 or more")
