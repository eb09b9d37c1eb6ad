# The fund sources move from the reports app to the funds app: the table (reports_fundsource) and its rows
# stay where they are; only Django's state changes (reports 0002 drops the model from its own state).

from django.db import migrations, models


def move_content_type(apps, schema_editor):
    """Permissions and admin history follow the model: its content type changes app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="funds", model="fundsource").exists():
        ContentType.objects.filter(app_label="reports", model="fundsource").update(app_label="funds")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="reports", model="fundsource").exists():
        ContentType.objects.filter(app_label="funds", model="fundsource").update(app_label="reports")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="FundSource",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=150, verbose_name="name")),
                        ("kind", models.CharField(choices=[("investor", "Investor"), ("fund", "Fund"), ("foundation", "Foundation"), ("government", "Government"), ("other", "Other")], max_length=20, verbose_name="kind")),
                        ("amount_committed", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="amount committed")),
                        ("committed_on", models.DateField(verbose_name="committed on")),
                        ("terms", models.TextField(blank=True, verbose_name="terms")),
                        ("is_active", models.BooleanField(default=True, verbose_name="active")),
                    ],
                    options={
                        "db_table": "reports_fundsource",
                        "verbose_name": "fund source",
                        "verbose_name_plural": "fund sources",
                        "ordering": ["committed_on", "name"],
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(("amount_committed__gt", 0)), name="reports_fund_amount_positive"),
                            models.CheckConstraint(condition=models.Q(("kind__in", ["investor", "fund", "foundation", "government", "other"])), name="reports_fund_kind_valid"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
