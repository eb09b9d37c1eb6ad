# The fund sources now belong to the funds app (funds 0001 took the model over; the table stays).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0001_initial"),
        ("funds", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="FundSource")],
            database_operations=[],
        ),
    ]
