from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from microcredit.accounts import services as accounts_services
from microcredit.accounts.models import EntrepreneurProfile, Role, User


@transaction.atomic
def caseload_reassign(
    *,
    profiles: Iterable[EntrepreneurProfile],
    from_advisor: User | None,
    to_advisor: User,
    changed_by: User,
    reason: str,
) -> list[EntrepreneurProfile]:
    """Move entrepreneurs from one advisor (or from nobody) to another, all or none, each change kept in
    the assignment history with its reason (``accounts.services.entrepreneur_assign_advisor``)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for this change.")})
    if not (to_advisor.is_active and to_advisor.role == Role.ADVISOR):
        raise ValidationError({"to_advisor": _("Choose an active advisor.")})
    if from_advisor is not None and from_advisor.pk == to_advisor.pk:
        raise ValidationError({"to_advisor": _("Choose another advisor than the current one.")})
    ids = sorted({profile.pk for profile in profiles})
    if not ids:
        raise ValidationError({"profiles": _("Choose at least one entrepreneur.")})
    # Locked in a fixed order so that two coordinators moving overlapping caseloads cannot deadlock.
    locked = list(
        EntrepreneurProfile.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    expected = from_advisor.pk if from_advisor else None
    moved_meanwhile = [str(profile.user) for profile in locked if profile.advisor_id != expected]
    if moved_meanwhile or len(locked) != len(ids):
        raise ValidationError(
            {
                "profiles": _("Someone changed these files meanwhile: %(names)s. Reload the page.")
                % {"names": ", ".join(moved_meanwhile) or "—"}
            }
        )
    return [
        accounts_services.entrepreneur_assign_advisor(
            profile=profile, advisor=to_advisor, changed_by=changed_by, reason=reason
        )
        for profile in locked
    ]
