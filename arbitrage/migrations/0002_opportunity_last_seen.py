"""Every life knows when it was last seen, and a closed life is closed then, with a duration.

Rows written before: a closed row was closed at the tick that ended it, so that is its last
sighting. A row closed when an engine restarted (no duration) or still open was last seen, as
far as anything recorded says, when it opened: it is closed there, with a duration of 0.
"""

from django.db import migrations, models


def fill_last_seen(apps, schema_editor):
    Opportunity = apps.get_model("arbitrage", "Opportunity")
    rows = Opportunity.objects.all()
    rows.filter(closed_at__isnull=False, duration_ms__isnull=False).update(last_seen_at=models.F("closed_at"))
    rows.filter(closed_at__isnull=True).update(last_seen_at=models.F("opened_at"))
    rows.filter(closed_at__isnull=False, duration_ms__isnull=True).update(
        last_seen_at=models.F("opened_at"), closed_at=models.F("opened_at"), duration_ms=0
    )


class Migration(migrations.Migration):
    dependencies = [
        ("arbitrage", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="opportunity",
            name="last_seen_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(fill_last_seen, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="opportunity",
            name="last_seen_at",
            field=models.DateTimeField(help_text="The last tick that saw it; a closed life closed then"),
        ),
        migrations.AddConstraint(
            model_name="opportunity",
            constraint=models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True, duration_ms__isnull=True)
                | models.Q(closed_at__isnull=False, duration_ms__isnull=False),
                name="opportunity_closed_with_duration",
            ),
        ),
        migrations.AddConstraint(
            model_name="opportunity",
            constraint=models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | models.Q(closed_at=models.F("last_seen_at")),
                name="opportunity_closed_when_last_seen",
            ),
        ),
    ]
