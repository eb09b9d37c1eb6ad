"""The demographic consent moves onto the per-purpose consent records: each existing consent (and each
withdrawal) becomes a dated record. The answers' own consent date stays, still required by the database."""

from django.db import migrations

BEFORE = "before-2026-12"


def forward(apps, schema_editor):
    Demographics = apps.get_model("accounts", "Demographics")
    ConsentRecord = apps.get_model("accounts", "ConsentRecord")
    records = []
    for row in Demographics.objects.exclude(consent_given_at=None, consent_withdrawn_at=None).iterator():
        granted = row.consent_given_at is not None
        records.append(
            ConsentRecord(
                profile_id=row.profile_id,
                purpose="demographics",
                granted=granted,
                text_version=BEFORE,
                recorded_at=row.consent_given_at if granted else row.consent_withdrawn_at,
                is_current=True,
            )
        )
    ConsentRecord.objects.bulk_create(records, batch_size=500)


def backward(apps, schema_editor):
    apps.get_model("accounts", "ConsentRecord").objects.filter(purpose="demographics", text_version=BEFORE).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_consent_record")]

    operations = [migrations.RunPython(forward, backward)]
