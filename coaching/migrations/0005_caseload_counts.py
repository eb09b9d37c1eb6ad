"""The caseload counters and tallies, filled from the profiles, positions and loans already recorded (a
frozen copy of ``coaching.services.counts.rebuild_caseload_counts``: migrations never import live code)."""

import datetime
from collections import Counter

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import BooleanField, Case, DateField, Exists, F, Min, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

NO_DAY = datetime.date(1, 1, 1)
OPEN = ("active", "defaulted")
PENDING = ("submitted", "returned", "circle_accepted", "approved")


def fill(apps, schema_editor):
    profile_model = apps.get_model("accounts", "EntrepreneurProfile")
    loan_model = apps.get_model("loans", "Loan")
    settings_model = apps.get_model("core", "OrganizationSettings")
    tally_model = apps.get_model("coaching", "CaseloadTally")
    count_model = apps.get_model("coaching", "CaseloadCount")
    setting = settings_model.objects.values_list("coaching_no_contact_days", flat=True).first()
    days = (
        setting if setting is not None else settings_model._meta.get_field("coaching_no_contact_days").default
    )
    arrears = (
        loan_model.objects.filter(
            borrower=OuterRef("pk"), status__in=OPEN, position__first_unsettled_due__isnull=False
        )
        .order_by()
        .values("borrower")
        .annotate(day=Min("position__first_unsettled_due"))
        .values("day")[:1]
    )
    rows = (
        profile_model.objects.order_by()
        .annotate(
            key=Coalesce(F("advisor_id"), Value(0)),
            email=Case(
                When(user__email="", then=Value(False)), default=Value(True), output_field=BooleanField()
            ),
            follow_up=F("caseload_position__next_follow_up_on"),
            since=Coalesce(
                F("caseload_position__last_contact_on"), F("intake_date"), output_field=DateField()
            ),
            late=Subquery(arrears),
            pending=Exists(loan_model.objects.filter(borrower=OuterRef("pk"), status__in=PENDING)),
        )
        .values_list("pk", "key", "email", "follow_up", "since", "late", "pending")
    )
    tallies, counts = [], Counter()
    for pk, key, email, follow_up, since, late, pending in rows:
        flagged = NO_DAY
        if not pending:
            candidates = [since + datetime.timedelta(days=days + 1)]
            candidates += [day + datetime.timedelta(days=1) for day in (follow_up, late) if day]
            flagged = min(candidates)
        tallies.append(
            tally_model(
                profile_id=pk,
                advisor_key=key,
                has_email=email,
                follow_up_on=follow_up,
                since_on=since,
                arrears_since=late,
                pending_request=pending,
                flagged_from=flagged,
            )
        )
        counts[(key, "people", NO_DAY)] += 1
        counts[(key, "since", since)] += 1
        counts[(key, "flagged", flagged)] += 1
        if not email:
            counts[(key, "no_email", NO_DAY)] += 1
        if follow_up:
            counts[(key, "follow_up", follow_up)] += 1
    counts[(0, "rule", NO_DAY)] = days
    tally_model.objects.bulk_create(tallies, batch_size=2000)
    count_model.objects.bulk_create(
        [count_model(advisor_key=k, kind=kind, day=day, count=n) for (k, kind, day), n in counts.items()],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_entrepreneurprofile_anonymized_at"),
        ("coaching", "0004_merge_caseload_and_referral_consent"),
        ("core", "0007_merge_privacy_settings"),
        ("loans", "0012_position_snapshots"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseloadCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("advisor_key", models.BigIntegerField(verbose_name="advisor")),
                ("kind", models.CharField(max_length=12, verbose_name="kind")),
                ("day", models.DateField(verbose_name="day")),
                ("count", models.IntegerField(default=0, verbose_name="count")),
            ],
            options={
                "verbose_name": "caseload count",
                "verbose_name_plural": "caseload counts",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("advisor_key", "kind", "day"), name="coaching_caseloadcount_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="CaseloadTally",
            fields=[
                (
                    "profile",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="caseload_tally",
                        serialize=False,
                        to="accounts.entrepreneurprofile",
                        verbose_name="entrepreneur",
                    ),
                ),
                ("advisor_key", models.BigIntegerField(default=0, editable=False, verbose_name="advisor")),
                (
                    "has_email",
                    models.BooleanField(default=False, editable=False, verbose_name="has an email address"),
                ),
                (
                    "follow_up_on",
                    models.DateField(blank=True, editable=False, null=True, verbose_name="next follow-up"),
                ),
                ("since_on", models.DateField(editable=False, verbose_name="last contact or intake")),
                (
                    "arrears_since",
                    models.DateField(blank=True, editable=False, null=True, verbose_name="late since"),
                ),
                (
                    "pending_request",
                    models.BooleanField(default=False, editable=False, verbose_name="pending loan request"),
                ),
                (
                    "flagged_from",
                    models.DateField(blank=True, editable=False, null=True, verbose_name="flagged from"),
                ),
            ],
            options={
                "verbose_name": "caseload tally",
                "verbose_name_plural": "caseload tallies",
                "indexes": [
                    models.Index(fields=["advisor_key", "flagged_from"], name="coaching_tally_flagged")
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
