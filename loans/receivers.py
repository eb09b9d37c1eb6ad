"""What keeps the arrears counters (``loans.services.arrears_counts``) in step with the apps below loans: a
circle's or a borrower's change of advisor moves their loans from one advisor's count to another's.
Connected in ``LoansConfig.ready()``; runs inside the transaction of the change."""

from django.db.models.signals import post_save

from circles.models import Circle
from microcredit.accounts.models import EntrepreneurProfile


def _refresh(**filters) -> None:
    from loans.models import ArrearsTally
    from loans.services.arrears_counts import arrears_tally_refresh

    ids = ArrearsTally.objects.filter(**{f"loan__{name}": value for name, value in filters.items()})
    arrears_tally_refresh(loan_ids=list(ids.values_list("pk", flat=True)))


def circle_saved(sender, instance, raw=False, created=False, update_fields=None, **kwargs):
    if raw or created or (update_fields is not None and "advisor" not in update_fields):
        return
    _refresh(circle=instance.pk)


def profile_saved(sender, instance, raw=False, created=False, update_fields=None, **kwargs):
    if raw or created or (update_fields is not None and "advisor" not in update_fields):
        return
    _refresh(borrower=instance.pk)


def connect() -> None:
    post_save.connect(circle_saved, sender=Circle, dispatch_uid="loans.arrears_counts.circle")
    post_save.connect(profile_saved, sender=EntrepreneurProfile, dispatch_uid="loans.arrears_counts.profile")
