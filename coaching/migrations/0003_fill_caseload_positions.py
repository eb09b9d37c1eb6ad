"""Fill the caseload positions from the sessions and referrals already recorded (a frozen copy of
``coaching.services.positions.rebuild_caseload``: migrations never import live code)."""

from django.db import migrations
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

CLOSED = ("completed", "declined")


def fill(apps, schema_editor):
    profile_model = apps.get_model("accounts", "EntrepreneurProfile")
    session_model = apps.get_model("coaching", "CoachingSession")
    referral_model = apps.get_model("coaching", "Referral")
    position_model = apps.get_model("coaching", "CaseloadPosition")
    latest = session_model.objects.filter(profile=OuterRef("pk")).order_by("-held_on", "-pk")
    open_referrals = (
        referral_model.objects.filter(profile=OuterRef("pk"))
        .exclude(status__in=CLOSED)
        .order_by()
        .values("profile")
        .annotate(count=Count("pk"))
        .values("count")[:1]
    )
    rows = (
        profile_model.objects.filter(
            Q(pk__in=session_model.objects.values("profile")) | Q(pk__in=referral_model.objects.values("profile"))
        )
        .order_by()
        .annotate(
            last=Subquery(latest.values("held_on")[:1]),
            next=Subquery(latest.values("next_follow_up_on")[:1]),
            open_count=Coalesce(Subquery(open_referrals, output_field=IntegerField()), Value(0)),
        )
        .values_list("pk", "last", "next", "open_count")
    )
    position_model.objects.all().delete()
    position_model.objects.bulk_create(
        [
            position_model(profile_id=pk, last_contact_on=last, next_follow_up_on=next_, open_referrals=count)
            for pk, last, next_, count in rows.iterator(chunk_size=2000)
            if (last, next_, count) != (None, None, 0)
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [("coaching", "0002_caseload_position")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
