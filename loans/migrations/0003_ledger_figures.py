"""Derived ledger figures for the board's report: the allocation's loan and date, the instalments' settlement
dates, the loans' narrow positions and the daily portfolio rows, filled from the existing ledger."""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce


def as_cents(amount):
    return int(Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).scaleb(2))



# A frozen copy of ``loans.services.ledger``'s rebuild as it was when this migration was written, so that a
# later change to the live code cannot change (or break) what this migration does.
CENTS = "CAST(ROUND(COALESCE({}, 0) * 100) AS BIGINT)"
REBUILD_SQL = (
    """UPDATE loans_allocation
       SET loan_id = (SELECT p.loan_id FROM loans_payment p WHERE p.id = loans_allocation.payment_id),
           paid_on = (SELECT p.paid_on FROM loans_payment p WHERE p.id = loans_allocation.payment_id)""",
    # Payments fill an instalment in date order: the last allocation to it is the payment that settled it.
    """UPDATE loans_instalment
       SET settled_on = CASE
           WHEN principal_due + interest_due = 0
               THEN (SELECT l.disbursed_on FROM loans_loan l WHERE l.id = loans_instalment.loan_id)
           WHEN (SELECT ROUND(COALESCE(SUM(a.principal + a.interest), 0) * 100) FROM loans_allocation a
                 WHERE a.instalment_id = loans_instalment.id) >= ROUND((principal_due + interest_due) * 100)
               THEN (SELECT MAX(a.paid_on) FROM loans_allocation a
                     WHERE a.instalment_id = loans_instalment.id)
           END""",
    "DELETE FROM loans_loanposition",
    f"""INSERT INTO loans_loanposition (loan_id, borrower_id, circle_id, product_id, guaranteed, disbursed_on,
            lent_cents, principal_paid_cents, interest_paid_cents, written_off_at, first_unsettled_due)
       SELECT l.id, l.borrower_id, l.circle_id, l.product_id, l.guarantee_type = 'circle', l.disbursed_on,
              {CENTS.format("COALESCE(l.approved_amount, l.amount)")},
              {CENTS.format("(SELECT SUM(a.principal) FROM loans_allocation a WHERE a.loan_id = l.id)")},
              {CENTS.format("(SELECT SUM(a.interest) FROM loans_allocation a WHERE a.loan_id = l.id)")},
              CASE WHEN l.status = 'written_off' THEN
                  (SELECT MAX(t.at) FROM loans_loantransition t
                   WHERE t.loan_id = l.id AND t.to_status = 'written_off') END,
              (SELECT MIN(i.due_date) FROM loans_instalment i WHERE i.loan_id = l.id AND i.settled_on IS NULL)
       FROM loans_loan l
       WHERE l.disbursed_on IS NOT NULL""",
)


def _rebuild_days(Loan, Instalment, Allocation, PortfolioDay) -> int:
    """Recompute every daily row from the schedules, allocations and loans. Takes the model classes so that
    the migration can pass its historical ones. Returns the number of rows."""
    rows: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for row in (
        Instalment.objects.values("due_date", "loan__product_id")
        .order_by()
        .annotate(total=Sum(F("principal_due") + F("interest_due")))
    ):
        rows[(row["due_date"], row["loan__product_id"])]["due_cents"] += as_cents(row["total"])
    for row in (
        Allocation.objects.values("paid_on", "loan__product_id")
        .order_by()
        .annotate(total=Sum(F("principal") + F("interest")), principal=Sum("principal"))
    ):
        collected = rows[(row["paid_on"], row["loan__product_id"])]
        collected["collected_cents"] += as_cents(row["total"])
        collected["principal_collected_cents"] += as_cents(row["principal"])
    for row in (
        Loan.objects.filter(disbursed_on__isnull=False)
        .values("disbursed_on", "product_id")
        .order_by()
        .annotate(count=Count("pk"), total=Sum(Coalesce("approved_amount", "amount")))
    ):
        disbursed = rows[(row["disbursed_on"], row["product_id"])]
        disbursed["disbursed_count"] += row["count"]
        disbursed["disbursed_cents"] += as_cents(row["total"])
    PortfolioDay.objects.all().delete()
    PortfolioDay.objects.bulk_create(
        (
            PortfolioDay(day=day, product_key=product, **values)
            for (day, product), values in sorted(rows.items())
        ),
        batch_size=1000,
    )
    return len(rows)


def fill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for statement in REBUILD_SQL:
            cursor.execute(statement)
    _rebuild_days(
        apps.get_model("loans", "Loan"),
        apps.get_model("loans", "Instalment"),
        apps.get_model("loans", "Allocation"),
        apps.get_model("loans", "PortfolioDay"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_advisor_assignment'),
        ('circles', '0001_initial'),
        ('loans', '0002_reminders'),
    ]

    operations = [
        migrations.CreateModel(
            name='LoanPosition',
            fields=[
                ('loan', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='position', serialize=False, to='loans.loan', verbose_name='loan')),
                ('guaranteed', models.BooleanField(verbose_name='guaranteed by the circle')),
                ('disbursed_on', models.DateField(verbose_name='disbursement date')),
                ('lent_cents', models.BigIntegerField(verbose_name='amount lent (cents)')),
                ('principal_paid_cents', models.BigIntegerField(default=0, verbose_name='principal paid (cents)')),
                ('interest_paid_cents', models.BigIntegerField(default=0, verbose_name='interest paid (cents)')),
                ('written_off_at', models.DateTimeField(blank=True, null=True, verbose_name='written off')),
                ('first_unsettled_due', models.DateField(blank=True, null=True, verbose_name='oldest unpaid due date')),
            ],
            options={
                'verbose_name': 'loan position',
                'verbose_name_plural': 'loan positions',
            },
        ),
        migrations.CreateModel(
            name='PortfolioDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='day')),
                ('product_key', models.BigIntegerField(verbose_name='product')),
                ('due_cents', models.BigIntegerField(default=0, verbose_name='due (cents)')),
                ('collected_cents', models.BigIntegerField(default=0, verbose_name='collected (cents)')),
                ('principal_collected_cents', models.BigIntegerField(default=0, verbose_name='principal collected (cents)')),
                ('disbursed_count', models.IntegerField(default=0, verbose_name='loans disbursed')),
                ('disbursed_cents', models.BigIntegerField(default=0, verbose_name='amount disbursed (cents)')),
            ],
            options={
                'verbose_name': 'portfolio day',
                'verbose_name_plural': 'portfolio days',
            },
        ),
        migrations.AddField(
            model_name='allocation',
            name='loan',
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='allocations', to='loans.loan'),
        ),
        migrations.AddField(
            model_name='allocation',
            name='paid_on',
            field=models.DateField(editable=False, null=True, verbose_name='date'),
        ),
        migrations.AddField(
            model_name='instalment',
            name='settled_on',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='settled on'),
        ),
        migrations.AddIndex(
            model_name='allocation',
            index=models.Index(fields=['paid_on'], name='loans_allocation_paid_on_idx'),
        ),
        migrations.AddIndex(
            model_name='instalment',
            index=models.Index(condition=models.Q(('settled_on__isnull', True)), fields=['due_date'], name='loans_instalment_unsettled_idx'),
        ),
        migrations.AddIndex(
            model_name='instalment',
            index=models.Index(fields=['settled_on'], name='loans_instalment_settled_idx'),
        ),
        migrations.AddField(
            model_name='loanposition',
            name='borrower',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.entrepreneurprofile'),
        ),
        migrations.AddField(
            model_name='loanposition',
            name='circle',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='circles.circle'),
        ),
        migrations.AddField(
            model_name='loanposition',
            name='product',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='loans.loanproduct'),
        ),
        migrations.AddConstraint(
            model_name='portfolioday',
            constraint=models.UniqueConstraint(fields=('day', 'product_key'), name='loans_portfolioday_unique'),
        ),
        migrations.AddIndex(
            model_name='loanposition',
            index=models.Index(fields=['disbursed_on'], name='loans_position_disbursed_idx'),
        ),
        migrations.AddIndex(
            model_name='loanposition',
            index=models.Index(condition=models.Q(('written_off_at__isnull', False)), fields=['written_off_at'], name='loans_position_written_off_idx'),
        ),
        migrations.AddConstraint(
            model_name='loanposition',
            constraint=models.CheckConstraint(condition=models.Q(('interest_paid_cents__gte', 0), ('lent_cents__gt', 0), ('principal_paid_cents__gte', 0), ('principal_paid_cents__lte', models.F('lent_cents'))), name='loans_loanposition_amounts_valid'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='allocation',
            name='loan',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='allocations', to='loans.loan'),
        ),
        migrations.AlterField(
            model_name='allocation',
            name='paid_on',
            field=models.DateField(editable=False, verbose_name='date'),
        ),
    ]
