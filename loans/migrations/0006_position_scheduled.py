"""Each loan position keeps what its whole schedule asks (principal and interest, in cents), so that the
pages read "owed" from the position instead of summing instalments per loan; filled here from the schedules
(the same SQL as ``rebuild_ledger``, frozen here)."""

from django.db import migrations, models

FILL_SQL = """UPDATE loans_loanposition SET scheduled_cents = CAST(ROUND(COALESCE(
    (SELECT SUM(i.principal_due + i.interest_due) FROM loans_instalment i
     WHERE i.loan_id = loans_loanposition.loan_id), 0) * 100) AS BIGINT)"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_advisor_assignment"),
        ("circles", "0001_initial"),
        ("loans", "0005_written_off_not_due"),
    ]

    operations = [
        migrations.AddField(
            model_name="loanposition",
            name="scheduled_cents",
            field=models.BigIntegerField(default=0, verbose_name="scheduled (cents)"),
        ),
        migrations.AddIndex(
            model_name="loanposition",
            index=models.Index(fields=["first_unsettled_due"], name="loans_position_unsettled_idx"),
        ),
        migrations.AddIndex(
            model_name="loan",
            index=models.Index(fields=["-created_at", "-id"], name="loans_loan_created_idx"),
        ),
        migrations.RunSQL(FILL_SQL, migrations.RunSQL.noop),
    ]
