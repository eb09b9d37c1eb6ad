"""The arrears counters and tallies, filled from the loans already disbursed (a frozen copy of
``loans.services.arrears_counts.rebuild_arrears_counts``: migrations never import live code)."""

from collections import Counter

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, Value
from django.db.models.functions import Coalesce

OPEN = ("active", "defaulted")


def fill(apps, schema_editor):
    loan_model = apps.get_model("loans", "Loan")
    tally_model = apps.get_model("loans", "ArrearsTally")
    count_model = apps.get_model("loans", "ArrearsCount")
    rows = (
        loan_model.objects.filter(position__isnull=False)
        .order_by()
        .values_list(
            "pk",
            Coalesce(F("circle__advisor_id"), Value(0)),
            Coalesce(F("borrower__advisor_id"), Value(0)),
            "status",
            "position__first_unsettled_due",
        )
    )
    tallies, counts = [], Counter()
    for pk, circle, borrower, status, due in rows:
        day = due if status in OPEN else None
        tallies.append(
            tally_model(
                loan_id=pk, circle_advisor_key=circle, borrower_advisor_key=borrower, unsettled_due=day
            )
        )
        if day is not None:
            for key in {0, circle, borrower}:
                counts[(key, day)] += 1
    tally_model.objects.bulk_create(tallies, batch_size=2000)
    count_model.objects.bulk_create(
        [count_model(advisor_key=key, day=day, count=n) for (key, day), n in counts.items()], batch_size=2000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0012_position_snapshots"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArrearsTally",
            fields=[
                (
                    "loan",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="loans.loan",
                        verbose_name="loan",
                    ),
                ),
                ("circle_advisor_key", models.BigIntegerField(default=0, verbose_name="circle's advisor")),
                (
                    "borrower_advisor_key",
                    models.BigIntegerField(default=0, verbose_name="borrower's advisor"),
                ),
                (
                    "unsettled_due",
                    models.DateField(blank=True, null=True, verbose_name="oldest unpaid due date"),
                ),
            ],
            options={
                "verbose_name": "arrears tally",
                "verbose_name_plural": "arrears tallies",
            },
        ),
        migrations.CreateModel(
            name="ArrearsCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("advisor_key", models.BigIntegerField(verbose_name="advisor")),
                ("day", models.DateField(verbose_name="day")),
                ("count", models.IntegerField(default=0, verbose_name="count")),
            ],
            options={
                "verbose_name": "arrears count",
                "verbose_name_plural": "arrears counts",
                "constraints": [
                    models.UniqueConstraint(fields=("advisor_key", "day"), name="loans_arrearscount_unique")
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
