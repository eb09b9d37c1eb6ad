"""What keeps the arrears counters (``loans.services.arrears_counts``) and the kept figures of closed months
(``loans.month_figures``) in step with the apps below loans: a circle's or a borrower's change of advisor
moves their loans from one advisor's count to another's; a circle's change of advisor or network changes the
breakdowns of every month. Connected in ``LoansConfig.ready()``; runs inside the transaction of the change.
After every ``migrate`` the kept figures are forgotten (the code that computes them may have changed)."""

from django.db.models.signals import post_migrate, post_save

from circles.models import Circle
from microcredit.accounts.models import EntrepreneurProfile


def _refresh(**filters) -> None:
    from loans.models import ArrearsTally
    from loans.services.arrears_counts import arrears_tally_refresh

    ids = ArrearsTally.objects.filter(**{f"loan__{name}": value for name, value in filters.items()})
    arrears_tally_refresh(loan_ids=list(ids.values_list("pk", flat=True)))


def circle_saved(sender, instance, raw=False, created=False, update_fields=None, **kwargs):
    if raw or created:
        return
    if update_fields is None or {"advisor", "network"} & set(update_fields):
        from loans import month_figures

        month_figures.forget_all()
    if update_fields is None or "advisor" in update_fields:
        _refresh(circle=instance.pk)


def migrated(sender, app_config=None, using="default", **kwargs):
    from django.db import connections

    from loans import month_figures

    if (
        app_config is not None
        and app_config.label == "loans"
        and using == "default"
        and "loans_monthfigures" in connections[using].introspection.table_names()
    ):
        month_figures.forget_all()


def profile_saved(sender, instance, raw=False, created=False, update_fields=None, **kwargs):
    if raw or created or (update_fields is not None and "advisor" not in update_fields):
        return
    _refresh(borrower=instance.pk)


def connect() -> None:
    post_save.connect(circle_saved, sender=Circle, dispatch_uid="loans.arrears_counts.circle")
    post_save.connect(profile_saved, sender=EntrepreneurProfile, dispatch_uid="loans.arrears_counts.profile")
    post_migrate.connect(migrated, dispatch_uid="loans.month_figures.migrated")
