"""The indexes the exact hour percentiles read one bucket of durations through (statistics.sql.percentiles_by_histogram),
built CONCURRENTLY on PostgreSQL: the facts stay writable meanwhile."""

from django.db import migrations, models

from guichet.lib.online_migrations import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tickets", "0030_attachment_publication_and_place_events")]

    operations = [
        AddIndexOnline(
            model_name="ticketfacts",
            index=models.Index(
                condition=models.Q(("first_response_day__isnull", False)),
                fields=["first_response_seconds", "first_response_day", "received_day", "service"],
                name="ticketfacts_first_seconds",
            ),
        ),
        AddIndexOnline(
            model_name="ticketfacts",
            index=models.Index(
                condition=models.Q(("resolved_day__isnull", False)),
                fields=["resolution_seconds", "resolved_day", "received_day", "service"],
                name="ticketfacts_resolution_secs",
            ),
        ),
    ]
