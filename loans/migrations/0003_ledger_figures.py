"""Derived ledger figures for the board's report: the allocation's loan and date, the instalments' settlement
dates, the loans' narrow positions and the daily portfolio rows, filled from the existing ledger."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from loans.services.ledger import rebuild_portfolio_days, rebuild_rows

    rebuild_rows(schema_editor.connection)
    rebuild_portfolio_days(
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
