"""What keeps the caseload counters (``coaching.services.counts``) in step with the apps below coaching:
connected in ``CoachingConfig.ready()``, run inside the transaction of the change (a saved profile or
account, entrepreneurs registered at once, a saved or deleted loan, a changed loan position)."""

from django.db.models.signals import post_delete, post_save, pre_delete

from coaching.services.counts import caseload_tally_forget, caseload_tally_refresh
from loans.models import Loan
from loans.signals import position_changed
from microcredit.accounts.models import EntrepreneurProfile, Role, User
from microcredit.accounts.signals import entrepreneurs_created


def profile_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        caseload_tally_refresh(profile_ids=[instance.pk])


def profiles_created(sender, profile_ids=(), **kwargs):
    """Entrepreneurs registered at once (``EntrepreneursBatch``: no ``post_save`` for each)."""
    caseload_tally_refresh(profile_ids=list(profile_ids))


def profile_deleting(sender, instance, **kwargs):
    caseload_tally_forget(instance.pk)


def user_saved(sender, instance, raw=False, created=False, update_fields=None, **kwargs):
    # Only an entrepreneur's email address counts (a new account has no profile yet: the profile's save
    # counts; a sign-in saves only ``last_login``).
    if raw or created or instance.role != Role.ENTREPRENEUR:
        return
    if update_fields is not None and "email" not in update_fields:
        return
    profile_ids = EntrepreneurProfile.objects.filter(user=instance).values_list("pk", flat=True)
    caseload_tally_refresh(profile_ids=list(profile_ids))


def loan_changed(sender, instance, raw=False, **kwargs):
    if not raw and instance.borrower_id:
        caseload_tally_refresh(profile_ids=[instance.borrower_id])


def position_moved(sender, loan=None, borrower_ids=(), **kwargs):
    """One loan's position moved, or many at once (``borrower_ids``: the end of an import's deferred
    block)."""
    caseload_tally_refresh(profile_ids=[loan.borrower_id] if loan else list(borrower_ids))


def connect() -> None:
    post_save.connect(profile_saved, sender=EntrepreneurProfile, dispatch_uid="coaching.counts.profile")
    entrepreneurs_created.connect(profiles_created, dispatch_uid="coaching.counts.profiles_created")
    pre_delete.connect(
        profile_deleting, sender=EntrepreneurProfile, dispatch_uid="coaching.counts.profile_del"
    )
    post_save.connect(user_saved, sender=User, dispatch_uid="coaching.counts.user")
    post_save.connect(loan_changed, sender=Loan, dispatch_uid="coaching.counts.loan")
    post_delete.connect(loan_changed, sender=Loan, dispatch_uid="coaching.counts.loan_del")
    position_changed.connect(position_moved, dispatch_uid="coaching.counts.position")
