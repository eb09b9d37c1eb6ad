import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.models import (
    FINANCING_STATES,
    FinancingApplication,
    FinancingKind,
    FinancingStatus,
    FinancingStatusChange,
    Partner,
    PartnerKind,
)
from coaching.services._checks import check_not_before_intake, check_not_in_future
from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.money import to_cents


def _check_active(partner: Partner | None) -> None:
    if partner is not None and not partner.is_active:
        raise ValidationError({"partner": _("This partner is no longer active: choose another one.")})


def _check_kind(kind: str, partner: Partner | None, amount_requested: Decimal | None) -> None:
    if kind == FinancingKind.GRANT and amount_requested is None:
        raise ValidationError({"amount_requested": _("Enter the amount requested in the grant application.")})
    if kind == FinancingKind.INTRODUCTION and (
        partner is None or partner.kind != PartnerKind.FINANCIAL_INSTITUTION
    ):
        raise ValidationError(
            {"partner": _("Choose the financial institution the entrepreneur is introduced to.")}
        )


def _money(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else to_cents(amount)


@transaction.atomic
def financing_create(
    *,
    profile: EntrepreneurProfile,
    kind: str,
    program: str,
    created_by: User | None,
    partner: Partner | None = None,
    amount_requested: Decimal | None = None,
    started_on: datetime.date | None = None,
    note: str = "",
) -> FinancingApplication:
    """Record financing support being prepared: an introduction to a financial institution or a grant
    application. The first row of its history is written at once."""
    _check_active(partner)
    _check_kind(kind, partner, amount_requested)
    check_not_in_future(started_on, "started_on")
    application = FinancingApplication(
        profile=profile,
        kind=kind,
        partner=partner,
        program=program.strip(),
        amount_requested=_money(amount_requested),
        created_by=created_by,
    )
    if started_on is not None:
        application.started_on = started_on
    check_not_before_intake(profile, application.started_on, "started_on")
    application.full_clean()
    application.save()
    FinancingStatusChange.objects.create(
        application=application,
        from_status="",
        to_status=application.status,
        changed_by=created_by,
        note=note.strip(),
    )
    return application


@transaction.atomic
def financing_update(
    *,
    application: FinancingApplication,
    changed_by: User | None,
    program: str,
    partner: Partner | None,
    amount_requested: Decimal | None,
    started_on: datetime.date,
) -> FinancingApplication:
    """Correct what an application is (its status only moves through ``financing_change_status``)."""
    application = FinancingApplication.objects.select_for_update().get(pk=application.pk)
    if partner != application.partner:
        _check_active(partner)
    _check_kind(application.kind, partner, amount_requested)
    check_not_in_future(started_on, "started_on")
    check_not_before_intake(application.profile, started_on, "started_on")
    application.program = program.strip()
    application.partner = partner
    application.amount_requested = _money(amount_requested)
    application.started_on = started_on
    application.full_clean()
    application.save()
    return application


@transaction.atomic
def financing_change_status(
    *,
    application: FinancingApplication,
    to_status: str,
    changed_by: User | None,
    on: datetime.date | None = None,
    amount_obtained: Decimal | None = None,
    note: str = "",
) -> FinancingApplication:
    """Move an application along its allowed transitions. ``on`` is the day it was submitted or decided;
    an approval needs the amount obtained."""
    application = FinancingApplication.objects.select_for_update().get(pk=application.pk)
    from_status = application.status
    FINANCING_STATES.check(from_status, to_status)
    on = on or timezone.localdate()
    check_not_in_future(on, "on")
    if to_status == FinancingStatus.APPROVED and amount_obtained is None:
        raise ValidationError({"amount_obtained": _("Enter the amount obtained.")})
    if to_status != FinancingStatus.APPROVED and amount_obtained is not None:
        raise ValidationError({"amount_obtained": _("Only an approved application has an amount obtained.")})
    if to_status == FinancingStatus.SUBMITTED:
        if on < application.started_on:
            raise ValidationError({"on": _("An application cannot be submitted before it was started.")})
        application.submitted_on = on
    elif to_status in (FinancingStatus.APPROVED, FinancingStatus.REFUSED):
        if application.submitted_on and on < application.submitted_on:
            raise ValidationError({"on": _("A decision cannot come before the application was submitted.")})
        application.decided_on = on
    application.amount_obtained = _money(amount_obtained)
    application.status = to_status
    application.full_clean()
    application.save()
    FinancingStatusChange.objects.create(
        application=application,
        from_status=from_status,
        to_status=to_status,
        changed_by=changed_by,
        note=note.strip(),
    )
    return application
