import django.db.models.deletion
from django.db import migrations, models

# Each position takes its loan's fund (set at disbursement, never changed after): portable SQL (SQLite, the
# demo, too). ``rebuild_ledger`` writes it the same way.
FILL = """UPDATE loans_loanposition
SET fund_id = (SELECT l.fund_id FROM loans_loan l WHERE l.id = loans_loanposition.loan_id)"""


class Migration(migrations.Migration):
    dependencies = [
        ("funds", "0004_copy_fund_terms_into_french"),
        ("loans", "0016_merge_kernels"),
    ]

    operations = [
        migrations.AddField(
            model_name="loanposition",
            name="fund",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="funds.fundsource",
                verbose_name="charged to the fund",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
