"""The collection rate's "due" leaves out the instalments of a written-off loan that fall due after the
write-off day (``loans.services.ledger.not_due_after_write_off``): take them out of the existing daily rows.
Schedules themselves are not touched (a disbursed schedule is what the borrower signed)."""

from django.db import migrations
from django.db.models import F, Max, Q
from django.utils import timezone


def _later_dues(apps):
    """A frozen copy of the rule as written with this migration: {(day, product): cents} of the instalments of
    written-off loans due after the (local) day of the write-off."""
    Loan = apps.get_model("loans", "Loan")
    Instalment = apps.get_model("loans", "Instalment")
    written_off = {
        pk: timezone.localdate(at)
        for pk, at in Loan.objects.filter(status="written_off")
        .annotate(at=Max("transitions__at", filter=Q(transitions__to_status="written_off")))
        .filter(at__isnull=False)
        .values_list("pk", "at")
    }
    dues = {}
    for loan_id, product_id, due_date, principal, interest in Instalment.objects.filter(
        loan_id__in=list(written_off)
    ).values_list("loan_id", "loan__product_id", "due_date", "principal_due", "interest_due"):
        if due_date > written_off[loan_id]:
            key = (due_date, product_id)
            dues[key] = dues.get(key, 0) + int((principal + interest).scaleb(2))
    return dues


def _shift(apps, sign):
    PortfolioDay = apps.get_model("loans", "PortfolioDay")
    for (day, product), cents in sorted(_later_dues(apps).items()):
        PortfolioDay.objects.filter(day=day, product_key=product).update(due_cents=F("due_cents") + sign * cents)


def forward(apps, schema_editor):
    _shift(apps, -1)


def backward(apps, schema_editor):
    _shift(apps, 1)


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0004_guarantee_call_defaults"),
    ]

    operations = [migrations.RunPython(forward, backward)]
