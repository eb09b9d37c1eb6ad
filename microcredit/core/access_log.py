"""The file-access log (Law 25): every read of an entrepreneur's file, her export and her documents by staff.
Views call ``log_file_access``; the privacy app shows the log to the privacy officer and purges it."""

from django.utils.translation import gettext_lazy as _

from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.models import FileAccess

WHAT = {
    "file": _("File"),
    "export": _("Data export"),
    "document": _("Document"),
    "personal_file": _("Complete file (privacy request)"),
}


def log_file_access(*, user: User, profile: EntrepreneurProfile | int, what: str, detail: str = "") -> None:
    """Staff reads only: a person reading her own file is not an access by someone else."""
    if not getattr(user, "is_authenticated", False) or not user.is_staff_member:
        return
    profile_id = profile if isinstance(profile, int) else profile.pk
    FileAccess.objects.create(profile_id=profile_id, user=user, what=what, detail=detail[:200])
